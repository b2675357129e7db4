/**
 * container.list: `docker ps` — mounted containers (a mount is what running is to Docker), or
 * all with `all`; filters name= (substring, as Docker) and ancestor= (an image and its
 * descendants); `size` adds the writable layer's bytes on disk and the image's content size;
 * `paused` marks one whose mount is paused. Running containers are listed as mounted ones are
 * (their root filesystem is mounted while they run), with their process's state and command.
 */
import type { ContainerSummary } from '../../client/protocol.js'
import { invalidArgument } from '../errors.js'
import type { ContainerRecord } from '../store/containers.js'
import { chainContentBytes, layersById, type LayersById } from '../store/image-sizes.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

const FILTERS = ['name', 'ancestor', 'id']

export const containerList = (s: Services): ApiMethod<'container.list'> => ({
  handler: async (p): Promise<ContainerSummary[]> => {
    const filters = p.filters ?? {}
    for (const k of Object.keys(filters)) if (!FILTERS.includes(k)) throw invalidArgument(`invalid filter '${k}'`)
    const ancestors = await ancestorIds(s, filters.ancestor ?? [])
    const list = (await s.containers.list())
      .filter((c) => p.all || c.mount !== null)
      .filter((c) => (filters.name ?? []).every((n) => c.name.includes(n.replace(/^\//, ''))))
      .filter((c) => (filters.id ?? []).every((id) => c.id.startsWith(id)))
      .filter((c) => !ancestors || ancestors.has(c.imageId))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    const paused = new Set((await s.mounts.list()).filter((m) => m.paused).map((m) => m.id))
    const layers = p.size === true ? await layersById(s.layers.walk()) : undefined
    return Promise.all(list.map((c) => summary(s, c, layers, paused)))
  },
})

async function summary(
  s: Services,
  c: ContainerRecord,
  layers: LayersById | undefined,
  paused: Set<string>,
): Promise<ContainerSummary> {
  const base: ContainerSummary = {
    id: c.id,
    name: c.name,
    image: c.imageName,
    imageId: c.imageId,
    created: c.createdAt,
    mountpoint: c.mount?.target ?? null,
    ...processState(c),
    ...(c.mount && paused.has(c.mount.id) ? { paused: true } : {}),
  }
  if (!layers) return base
  const image = await s.images.get(c.imageId)
  const sizeRootFs = image ? chainContentBytes(image.topLayer, layers) : 0
  return { ...base, sizeRw: s.containers.upperSize(c), sizeRootFs }
}

function processState(
  c: ContainerRecord,
): Pick<ContainerSummary, 'state' | 'command' | 'startedAt' | 'finishedAt' | 'exitCode'> {
  const p = c.process
  if (!p?.startedAt) return { state: 'created', ...(p ? { command: commandOf(p.args) } : {}) }
  if (p.monitor) return { state: 'running', command: commandOf(p.args), startedAt: p.startedAt }
  return {
    state: 'exited',
    command: commandOf(p.args),
    startedAt: p.startedAt,
    ...(p.finishedAt ? { finishedAt: p.finishedAt } : {}),
    exitCode: p.exitCode ?? 0,
  }
}

/** The command line as Docker shows it: arguments with spaces quoted. */
const commandOf = (args: string[]) =>
  args.map((a) => (/[\s'"]/.test(a) || !a ? `'${a.replace(/'/g, `'\\''`)}'` : a)).join(' ')

/** The images named and every image descending from them (by parent), or null for no filter. */
async function ancestorIds(s: Services, names: string[]): Promise<Set<string> | null> {
  if (!names.length) return null
  const images = await s.images.list()
  const ids = new Set<string>()
  for (const n of names) ids.add((await s.images.resolve(n)).image.id)
  for (let grew = true; grew;) {
    grew = false
    for (const i of images)
      if (i.parent && ids.has(i.parent) && !ids.has(i.id)) {
        ids.add(i.id)
        grew = true
      }
  }
  return ids
}
