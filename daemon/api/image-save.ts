/**
 * image.save: images as one docker-archive + OCI layout tar (download), like `docker save`.
 * A reference with a tag saves that tag; a repository without a tag saves all its tags; an ID
 * or a digest reference (`repo@sha256:…`) saves the image without tags. Naming an image twice saves it once, with the tags of both.
 * The images are resolved and their layers leased under the metadata queue, so an rmi or prune
 * during the download changes the records at once but leaves the bytes until it ends.
 */
import { invalidArgument } from '../errors.js'
import { saveArchive, type SaveItem } from '../registry/archive-save.js'
import { canonical, parseReference, type Reference } from '../reference.js'
import { sendStream } from '../rpc/send-stream.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const imageSave = (s: Services): ApiMethod<'image.save'> => ({
  download: true,
  handler: async (p, ctx) => {
    if (!p.images.length) throw invalidArgument('image.save: images must name at least one image')
    const { items, release } = await s.metadata.add(async () => {
      const items = await itemsOf(s, p.images)
      return { items, release: s.layers.lease(items.flatMap((i) => i.chain.map((l) => l.chainId))) }
    })
    try {
      return { bytes: await sendStream(ctx, saveArchive(items, s.layers)) }
    } finally {
      release()
    }
  },
})

async function itemsOf(s: Services, inputs: string[]): Promise<SaveItem[]> {
  const byId = new Map<string, SaveItem>()
  const allTags = (await s.images.tags()).map((t) => t.ref)
  for (const input of inputs.flatMap((i) => expand(i, allTags))) {
    const { image, ref } = await s.images.resolve(input)
    const item = byId.get(image.id) ?? { image, chain: await s.layers.baseFirst(image.topLayer), tags: [] }
    byId.set(image.id, item)
    // A digest names the image but is no tag: saved by digest, it goes without one, as in Docker.
    if (ref && !ref.digest && !item.tags.some((x) => canonical(x) === canonical(ref))) item.tags.push(ref)
  }
  return [...byId.values()]
}

/** A repository named without a tag or digest stands for all its tags (when it has any). */
function expand(input: string, allTags: string[]): string[] {
  let ref: Reference
  try {
    ref = parseReference(input)
  } catch {
    return [input] // an ID or ID prefix; resolve says what it is
  }
  if (ref.tag || ref.digest) return [input]
  const repo = `${canonical(ref)}:`
  const tags = allTags.filter((t) => t.startsWith(repo))
  return tags.length ? tags : [input]
}
