/**
 * image.list: `docker images` — named and dangling images; with `all`, intermediate ones
 * (images without tags or digests, with children) too. As in Docker, `dangling` means untagged,
 * digests or not (`images` prints an image known by a digest only as `repo <none>`). Filters: dangling, reference
 * (globs, matched against tags and digests, as Docker's), label, label!, before, since, until.
 * Sizes are the layers' content (store/image-sizes.ts), as Docker's.
 */
import type { ImageSummary } from '../../client/protocol.js'
import { invalidArgument } from '../errors.js'
import { familiarName, parseReference } from '../reference.js'
import { parseConfig } from '../store/image-config.js'
import { chainContentBytes, layersById } from '../store/image-sizes.js'
import type { ImageRecord } from '../store/images.js'
import { labelsMatch, untilCutoff } from './image-filters.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

const FILTERS = ['dangling', 'reference', 'label', 'label!', 'before', 'since', 'until']

export const imageList = (s: Services): ApiMethod<'image.list'> => ({
  handler: async (p) => {
    const filters = p.filters ?? {}
    for (const k of Object.keys(filters)) if (!FILTERS.includes(k)) throw invalidArgument(`invalid filter '${k}'`)
    const images = await s.images.list()
    const parents = new Set(images.map((i) => i.parent).filter(Boolean))
    const names = await s.images.namesById()
    const layers = await layersById(s.layers.walk())
    const summaries = images.map((i) => summary(i, names.get(i.id) ?? [], chainContentBytes(i.topLayer, layers)))
    const before = filters.before?.[0] ? (await s.images.resolve(filters.before[0])).image.created : undefined
    const since = filters.since?.[0] ? (await s.images.resolve(filters.since[0])).image.created : undefined
    return summaries
      .filter((i) => p.all === true || i.repoTags.length + i.repoDigests.length > 0 || !parents.has(i.id))
      .filter((i) => matches(i, filters, before, since))
      .map((i) => (filters.reference?.length ? withMatchingNames(i, filters.reference) : i))
      .sort((a, b) => b.created.localeCompare(a.created))
  },
})

function summary(i: ImageRecord, repoTags: string[], size: number): ImageSummary {
  const labels = parseConfig(Buffer.from(i.config)).config.Labels ?? {}
  return {
    id: i.id,
    repoTags,
    repoDigests: i.digests,
    parent: i.parent,
    created: i.created,
    size,
    labels,
    dangling: repoTags.length === 0,
  }
}

function matches(i: ImageSummary, f: Record<string, string[]>, before?: string, since?: string): boolean {
  const dangling = f.dangling?.[0]
  if (dangling !== undefined) {
    if (dangling !== 'true' && dangling !== 'false') throw invalidArgument(`invalid filter 'dangling=${dangling}'`)
    if (i.dangling !== (dangling === 'true')) return false
  }
  if (f.reference?.length && ![...i.repoTags, ...i.repoDigests].some((t) => matchesReference(t, f.reference ?? [])))
    return false
  if (!labelsMatch(i.labels, f)) return false
  if (before && i.created >= before) return false
  if (since && i.created <= since) return false
  if (f.until?.[0] && i.created >= untilCutoff(f.until[0])) return false
  return true
}

/** Only the names the patterns match, as Docker lists an image found by a reference filter. */
const withMatchingNames = (i: ImageSummary, patterns: string[]): ImageSummary => ({
  ...i,
  repoTags: i.repoTags.filter((t) => matchesReference(t, patterns)),
  repoDigests: i.repoDigests.filter((d) => matchesReference(d, patterns)),
})

/**
 * A name (busybox:latest, busybox@sha256:…) matches a pattern for the whole name or for its
 * repository, as Docker's FamiliarMatch does.
 */
const matchesReference = (tag: string, patterns: string[]): boolean =>
  patterns.some((g) => glob(g).test(tag) || glob(g).test(familiarName(parseReference(tag))))

/** Docker's reference filter: path.Match globs, where * does not cross a /. */
function glob(pattern: string): RegExp {
  const re = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]')
  return new RegExp(`^${re}$`)
}
