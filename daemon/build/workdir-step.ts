/**
 * WORKDIR's directory, made as Docker's classic builder makes it: when the path (resolved inside
 * the stage's root filesystem, symlinks followed there, scoped-path.ts) is missing, it and each
 * missing parent are created 0755 and owned by root, whatever USER says (BuildKit uses the USER;
 * the classic builder never did), and that is the step's layer. A directory already there is left
 * as it is, so the step has no layer. The config change itself is config-step.ts's.
 * Errors: INVALID_ARGUMENT when a part of the path is something other than a directory.
 * Tests: test/unit/build/workdir-step.test.ts, test/integration/image-build-instructions.test.ts
 */
import { chmodSync, lchownSync, mkdirSync } from 'node:fs'
import { invalidArgument } from '../errors.js'
import type { ContainerConfig } from '../store/image-config.js'
import type { ImageRecord } from '../store/images.js'
import type { BuildParts, Stage } from './build-parts.js'
import { lstatOrNull, resolveInRoot } from './scoped-path.js'
import { filesStep } from './step-commit.js'

/** The image of `WORKDIR` whose resulting config is `config` (its WorkingDir absolute). */
export function workdirStep(
  p: BuildParts,
  stage: Stage,
  scratch: string,
  config: ContainerConfig,
  createdBy: string,
  signal: AbortSignal,
): Promise<ImageRecord> {
  const dir = config.WorkingDir || '/'
  return filesStep(p, stage, scratch, { config, createdBy }, signal, async (root) => {
    makeWorkdir(root, dir)
  })
}

/** Makes `path` (absolute inside `root`) and its missing parents; whether it made any. */
export function makeWorkdir(root: string, path: string): boolean {
  let made = false
  let inside = ''
  for (const part of path.split('/').filter(Boolean)) {
    inside = `${inside}/${part}`
    const host = resolveInRoot(root, inside)
    const st = lstatOrNull(host)
    if (st?.isDirectory()) continue
    if (st) throw invalidArgument(`WORKDIR ${path}: ${inside} exists and is not a directory`)
    mkdirSync(host)
    chmodSync(host, 0o755) // not the daemon's umask
    lchownSync(host, 0, 0)
    made = true
  }
  return made
}
