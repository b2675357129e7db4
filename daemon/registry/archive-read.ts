/**
 * Reads a `load` archive in one pass, whatever order its entries come in: every file that is not
 * JSON (blobs/…, a legacy `…/layer.tar`, skopeo's `<hex>.tar`) is unpacked into staging as a
 * layer as it streams by, with its
 * diffID and the digest of its raw bytes; JSON files (manifests, configs, index) go to
 * archive-json.ts, which keeps what a manifest can name in memory up to a cap and spools the rest
 * to tmp/; symlinks and hard links (legacy archives link duplicate layers) become aliases.
 * Which file is which is only known at the end (archive-plan.ts). A file that failed to unpack
 * as a layer is an error only if a manifest uses it as one.
 */
import { createHash } from 'node:crypto'
import { posix } from 'node:path'
import { StrataError } from '../../client/protocol.js'
import { invalidArgument } from '../errors.js'
import type { LayerStore, StagedLayer } from '../layers/layer-store.js'
import { sniff } from '../tar/decompress.js'
import { TarError } from '../tar/tar-header.js'
import { normalizeName } from '../tar/tar-path.js'
import { readTar, type TarEntry } from '../tar/tar-reader.js'
import { SplitRecorder } from '../tar/tar-split.js'
import { ArchiveJson } from './archive-json.js'

export interface StagedBlob {
  staged?: StagedLayer
  /** sha256 of the file's bytes as stored in the archive (compressed or not); '' after an error. */
  digest: string
  error?: Error
}

export interface ArchiveFiles {
  json: ArchiveJson
  layers: Map<string, StagedBlob>
  aliases: Map<string, string>
}

const MAX_JSON = 16 * 1024 * 1024
/** Small files of the formats that are not layers, whatever their first byte. */
const TEXT_FILES = new Set(['VERSION', 'repositories', 'oci-layout', 'index.json', 'manifest.json'])
/** `{`, `[` or whitespace: a JSON document, never a tar (whose first byte is a name's). */
const looksLikeJson = (b: number | undefined): boolean =>
  b !== undefined && [0x7b, 0x5b, 0x20, 0x0a, 0x09, 0x0d].includes(b)
const LIMITS = { maxBytes: 1024 ** 5, maxEntries: 200_000 }

export async function readArchive(
  source: AsyncIterable<Uint8Array>,
  layers: LayerStore,
  signal: AbortSignal,
): Promise<ArchiveFiles> {
  const files: ArchiveFiles = { json: new ArchiveJson(layers.tmpDir), layers: new Map(), aliases: new Map() }
  try {
    await readTar(source, (e, body) => visit(files, e, body, layers, signal), LIMITS, new SplitRecorder(), {
      digest: false,
    })
  } catch (err) {
    discardAll(files, layers)
    if (err instanceof TarError) throw invalidArgument(`bad image archive: ${err.message}`, { cause: err })
    throw err
  }
  return files
}

/** Drops the staged layers and the JSON members (their spool in tmp/ too). */
export function discardAll(files: ArchiveFiles, layers: LayerStore): void {
  files.json.remove()
  layers.discard([...files.layers.values()].flatMap((b) => (b.staged ? [b.staged] : [])))
}

async function visit(
  files: ArchiveFiles,
  e: TarEntry,
  body: AsyncIterable<Buffer>,
  layers: LayerStore,
  signal: AbortSignal,
): Promise<undefined> {
  signal.throwIfAborted()
  if (e.type === 'dir') return
  if (e.type === 'symlink' || e.type === 'link') {
    const target = e.type === 'symlink' ? posix.join(posix.dirname(e.path), e.linkname) : e.linkname
    files.aliases.set(e.path, normalizeName(target, 'link target'))
    return
  }
  if (e.type !== 'file') throw new TarError(`unexpected ${e.type} ${e.path} in an image archive`)
  const { head, rest } = await peek(body)
  if (e.size === 0 || looksLikeJson(head[0]) || TEXT_FILES.has(posix.basename(e.path)) || e.path.endsWith('.json')) {
    if (e.size <= MAX_JSON) await files.json.add(e.path, e.size, rest)
    return
  }
  // An uncompressed blob's digest is its diffID, which staging computes anyway.
  const hash = sniff(head) === 'none' ? undefined : createHash('sha256')
  const hashed = !hash
    ? rest
    : (async function* () {
        for await (const b of rest) {
          hash.update(b)
          yield b
        }
      })()
  try {
    const staged = await layers.stage(null, hashed, { signal })
    files.layers.set(e.path, { staged, digest: hash ? `sha256:${hash.digest('hex')}` : staged.layer.diffId })
  } catch (err) {
    // Not a layer tar: an error only if a manifest names it as a layer. Anything else stops.
    if (!(err instanceof StrataError && err.code === 'INVALID_ARGUMENT')) throw err
    files.layers.set(e.path, { digest: '', error: err })
  }
}

/** The first bytes of a body (at least 6 unless it is shorter: enough to sniff compression), and all of it. */
async function peek(body: AsyncIterable<Buffer>): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const it = body[Symbol.asyncIterator]()
  const parts: Buffer[] = []
  let done = false
  while (!done && Buffer.concat(parts).length < 6) {
    const n = await it.next()
    if (n.done) done = true
    else parts.push(n.value)
  }
  const rest = (async function* () {
    yield* parts
    if (!done) for (let n = await it.next(); !n.done; n = await it.next()) yield n.value
  })()
  return { head: Buffer.concat(parts), rest }
}
