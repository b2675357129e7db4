/**
 * An image's size as Docker shows it in `images`, `inspect`, `ps -s` and `system df -v`: the
 * content size of the layers of its chain (LayerRecord.contentBytes, Docker's DiffSize), not their
 * tar bytes and not bytes on disk (usage.ts's summary rows count those).
 * Tests: test/integration/image-sizes.test.ts
 */
import type { ChainId } from '../digests.js'
import { contentBytesOf, type LayerRecord } from './layer-records.js'

export type LayersById = ReadonlyMap<ChainId, LayerRecord>

export async function layersById(walk: AsyncIterable<LayerRecord>): Promise<Map<ChainId, LayerRecord>> {
  const out = new Map<ChainId, LayerRecord>()
  for await (const l of walk) out.set(l.chainId, l)
  return out
}

/** The content bytes of the chain whose top is `top` (each layer once, a broken chain ends). */
export function chainContentBytes(top: ChainId | null, byId: LayersById): number {
  let total = 0
  const seen = new Set<ChainId>()
  for (let cur = top; cur !== null && !seen.has(cur);) {
    seen.add(cur)
    const l = byId.get(cur)
    if (!l) break
    total += contentBytesOf(l)
    cur = l.parent
  }
  return total
}
