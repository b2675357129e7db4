/**
 * image.import: a rootfs tarball becomes a one-layer image, like `docker import`: uploaded, or
 * fetched by the daemon from `url` (registry/fetch-tarball.ts, with progress events); plain or
 * compressed in gzip, bzip2, xz or zstd (tar/decompress.ts). `changes` set its config, `message`
 * its comment; tagged with `ref` when given. The layer is unpacked while the bytes stream in,
 * outside the metadata queue; recording layer, image and tag is one batch inside it
 * (layer-store.ts `record`), so a failed download or a corrupt stream stores nothing.
 * Tests: test/integration/image-import-url.test.ts, test/integration/compressed-archives.test.ts
 */
import { parseReference } from '../reference.js'
import { fetchTarball, parseTarballUrl } from '../registry/fetch-tarball.js'
import { applyChanges } from '../store/dockerfile-change.js'
import { encodeConfig, importConfig } from '../store/image-config.js'
import { sha256 } from '../digests.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'
import type { ImageRecord } from '../store/images.js'

export const imageImport = (s: Services): ApiMethod<'image.import'> => ({
  upload: true,
  handler: async (p, ctx) => {
    const ref = p.ref ? parseReference(p.ref) : undefined
    const config = applyChanges({}, p.changes ?? []) // checked before the upload is read
    const url = p.url === undefined ? undefined : parseTarballUrl(p.url)
    const source = url ? await fetchTarball(url, ctx.signal, (e) => ctx.progress(e)) : ctx.upload()
    const staged = await s.layers.stage(null, source, { signal: ctx.signal })
    try {
      const cfg = importConfig(staged.layer.diffId, config, p.message, url?.href ?? p.source ?? '-')
      const bytes = encodeConfig(cfg)
      const image: ImageRecord = {
        id: sha256(bytes),
        config: bytes,
        topLayer: staged.layer.chainId,
        size: staged.layer.size,
        created: cfg.created,
        parent: null,
        digests: [],
        addedAt: new Date().toISOString(),
      }
      await s.metadata.add((lock) =>
        s.layers.record(lock, [staged], async (ops) => {
          ctx.signal.throwIfAborted()
          await s.images.add(lock, image, ops, ref ? [ref] : [])
        }),
      )
      return { id: image.id }
    } finally {
      s.layers.discard([staged])
    }
  },
})
