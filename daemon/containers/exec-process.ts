/**
 * The process.json of an `exec` (`runc exec --process`), as Docker hands one to its runtime: the
 * container's own process from bundle/config.json (user, env, cwd, capabilities, rlimits) with
 * what exec asks for put over it: the command, env added after the config's, the working
 * directory, the user, and for -t a terminal with TERM=xterm (unless env names TERM) and its size,
 * which the runtime gives the new pty before the command starts (a size set after the start, as
 * `runc exec --tty` does from its own terminal, races the command's first read of it).
 * Each exec gets its own file in the bundle, removed when the exec ends; `removeExecLeftovers`
 * clears those of a daemon that died.
 * Errors: INVALID_ARGUMENT for an empty command or a relative working directory.
 * Tests: test/unit/containers/exec-process.test.ts
 */
import { randomUUID } from 'node:crypto'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { invalidArgument } from '../errors.js'
import { consoleBox } from './oci-spec.js'
import type { Size } from './terminal.js'
import type { ResolvedUser } from './user-lookup.js'

export interface ExecAsk {
  cmd: string[]
  env?: string[]
  workdir?: string
  user?: ResolvedUser
  /** A terminal of this size (-t). */
  terminal?: Size
}

const LEFTOVER = /^exec-[0-9a-f-]+\.json$/

/** The OCI process of an exec: `base` (the container's config.json process) with `ask` put over it. */
export function execProcessSpec(base: Record<string, unknown>, ask: ExecAsk): Record<string, unknown> {
  if (ask.cmd.length === 0) throw invalidArgument('No command specified')
  if (ask.workdir !== undefined && !ask.workdir.startsWith('/'))
    throw invalidArgument(`the working directory '${ask.workdir}' is invalid`)
  const { consoleSize: _runSize, ...rest } = base
  const baseEnv = Array.isArray(base.env) ? (base.env as string[]) : []
  const term = ask.terminal && !ask.env?.some((kv) => kv.startsWith('TERM=')) ? ['TERM=xterm'] : []
  return {
    ...rest,
    args: ask.cmd,
    env: [...baseEnv, ...term, ...(ask.env ?? [])],
    cwd: ask.workdir ?? base.cwd,
    terminal: ask.terminal !== undefined,
    ...(ask.terminal ? { consoleSize: consoleBox(ask.terminal) } : {}),
    ...(ask.user ? { user: { uid: ask.user.uid, gid: ask.user.gid, additionalGids: ask.user.additionalGids } } : {}),
  }
}

/** Writes the exec's process.json into `bundle`; returns its path, for `--process`, and its removal. */
export function writeExecProcess(bundle: string, ask: ExecAsk): { path: string; remove: () => void } {
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: Record<string, unknown> }
  const path = join(bundle, `exec-${randomUUID()}.json`)
  writeFileSync(path, JSON.stringify(execProcessSpec(config.process, ask)), { mode: 0o600 })
  return { path, remove: () => rmSync(path, { force: true }) }
}

/** Removes the process.json files of execs whose daemon died before it could. */
export function removeExecLeftovers(bundle: string): void {
  let names: string[]
  try {
    names = readdirSync(bundle)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  for (const name of names) if (LEFTOVER.test(name)) rmSync(join(bundle, name), { force: true })
}
