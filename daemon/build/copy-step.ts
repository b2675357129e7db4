/**
 * COPY and ADD: the sources (from the context, or with --from from a stage's or an image's root
 * filesystem, mounted read-only meanwhile) go into a container on the stage's image through its
 * mount (copy-files.ts), and only that change becomes the step's layer (step-commit.ts). The first
 * step of a `FROM scratch` stage has no image: its files go into a fresh tree that is the layer.
 * ADD unpacks a local archive (tar, plain or gzip, bzip2, xz, zstd) into the destination with the
 * archive's owners (apply-tar's rules for hostile names); a file that only looked like one (a
 * lone .gz) is copied as it is, as Docker's ADD does, and so is a file ADD downloaded from a URL
 * (url-source.ts, fetched by the caller before the step cache is asked).
 * Errors: INVALID_ARGUMENT (a bad --chown or --chmod), NOT_FOUND (a source).
 * Tests: test/integration/image-build.test.ts
 */
import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { resolveUser } from '../containers/user-lookup.js'
import { invalidArgument } from '../errors.js'
import { applyTar } from '../layers/apply-tar.js'
import { DEFAULT_LIMITS } from '../layers/layer-store.js'
import type { ImageRecord } from '../store/images.js'
import { TarError } from '../tar/tar-header.js'
import { decompress, sniff } from '../tar/decompress.js'
import type { BuildContext, BuildParts, Stage } from './build-parts.js'
import { NoSplit } from './context-spool.js'
import { copySources, destination, type CopyOptions } from './copy-files.js'
import type { Source } from './copy-sources.js'
import { filesStep } from './step-commit.js'

export interface CopyStep {
  keyword: 'COPY' | 'ADD'
  sources: Source[]
  dest: string
  chown: string | undefined
  chmod: string | undefined
  createdBy: string
}

export async function copyStep(
  p: BuildParts,
  stage: Stage,
  ctx: BuildContext,
  s: CopyStep,
  signal: AbortSignal,
): Promise<ImageRecord> {
  const chmod = s.chmod === undefined ? undefined : parseMode(s.chmod)
  const change = { config: stage.config.config, createdBy: s.createdBy }
  return filesStep(p, stage, ctx.scratch, change, signal, (root) => place(root, stage, ctx, s, chmod))
}

/** Errors of the files' own making (a path too long, a file where a directory must be) are the Dockerfile's. */
const USER_ERRNO = ['ENAMETOOLONG', 'ENOTDIR', 'EISDIR', 'ELOOP', 'EEXIST', 'EINVAL', 'EFBIG']

async function place(root: string, stage: Stage, ctx: BuildContext, s: CopyStep, chmod: number | undefined) {
  try {
    await placeFiles(root, stage, ctx, s, chmod)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code && USER_ERRNO.includes(code))
      throw invalidArgument(`${s.keyword} failed: ${(err as Error).message}`, { cause: err })
    throw err
  }
}

async function placeFiles(root: string, stage: Stage, ctx: BuildContext, s: CopyStep, chmod: number | undefined) {
  const owner = s.chown ? chownOf(root, s.chown) : undefined
  const dest = destination(s.dest, stage.config.config.WorkingDir ?? '/', s.sources.length)
  const archives = s.keyword === 'ADD' ? s.sources.filter((x) => !x.remote && isArchive(x.path)) : []
  const plain = s.sources.filter((x) => !archives.includes(x))
  copySources(root, plain, dest, { owner, ...(chmod === undefined ? {} : { chmod }) })
  for (const a of archives) {
    const dir = await unpack(a, ctx.scratch)
    if (!dir) {
      copySources(root, [a], dest, { owner, ...(chmod === undefined ? {} : { chmod }) })
      continue
    }
    try {
      const o: CopyOptions = { owner: owner ?? 'keep', ...(chmod === undefined ? {} : { chmod }) }
      copySources(root, [{ pattern: a.pattern, path: dir, name: a.name }], { path: dest.path, isDir: true }, o)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

function chownOf(root: string, spec: string): { uid: number; gid: number } {
  const [user = '', group] = spec.split(':', 2)
  const u = resolveUser(root, spec)
  // Docker: a user given alone, by number, is its own group.
  return { uid: u.uid, gid: group === undefined && /^\d+$/.test(user) ? u.uid : u.gid }
}

function parseMode(s: string): number {
  if (!/^[0-7]{3,4}$/.test(s)) throw invalidArgument(`invalid --chmod=${s}: an octal mode is expected`)
  return parseInt(s, 8)
}

/** A file whose first bytes say tar, or a compressed stream (then taken for a compressed tar). */
function isArchive(path: string): boolean {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') return false
    throw err
  }
  try {
    const head = Buffer.alloc(512)
    const n = readSync(fd, head, 0, 512, 0)
    if (n < 6) return false
    return sniff(head) !== 'none' || (n === 512 && head.subarray(257, 262).toString('latin1') === 'ustar')
  } finally {
    closeSync(fd)
  }
}

/**
 * The archive unpacked into a directory of its own (its path), or undefined when it is no tar
 * after all (a lone .gz file): then, as Docker's ADD, it is copied as it is.
 */
async function unpack(a: Source, scratch: string): Promise<string | undefined> {
  const dir = mkdtempSync(join(scratch, 'add-'))
  try {
    await applyTar(dir, decompress(createReadStream(a.path)), DEFAULT_LIMITS, new NoSplit())
    return dir
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    if (err instanceof TarError) return undefined
    throw err
  }
}
