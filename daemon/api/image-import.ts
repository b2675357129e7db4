/**
 * image.import: a rootfs tarball (upload) becomes a one-layer image, like `docker import`:
 * `changes` set its config, `message` its comment; tagged with `ref` when given. The layer is
 * unpacked outside the metadata queue; recording layer, image and tag is one batch inside it
 * (layer-store.ts `record`).
 */
import { parseReference } from '../reference.js'
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
    const staged = await s.layers.stage(null, ctx.upload(), { signal: ctx.signal })
    try {
      const cfg = importConfig(staged.layer.diffId, config, p.message, p.source ?? '-')
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
