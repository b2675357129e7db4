/**
 * The LevelDB key space, one prefix per kind of record. Keys are ASCII; ids are lowercase hex
 * digests, so prefix scans never cross kinds.
 */
export const PREFIX = {
  mount: 'mount/',
  layer: 'layer/',
  image: 'image/',
  tag: 'tag/',
  refcount: 'refcount/',
  container: 'container/',
  containerName: 'container-name/',
  imageMount: 'image-mount/',
} as const

export const mountKey = (id: string): string => `${PREFIX.mount}${id}`
export const layerKey = (chainId: string): string => `${PREFIX.layer}${chainId}`
export const imageKey = (imageId: string): string => `${PREFIX.image}${imageId}`
/** Tags are keyed by their canonical reference (docker.io/library/busybox:latest). */
export const tagKey = (canonicalRef: string): string => `${PREFIX.tag}${canonicalRef}`
export const refcountKey = (chainId: string): string => `${PREFIX.refcount}${chainId}`
export const containerKey = (id: string): string => `${PREFIX.container}${id}`
export const containerNameKey = (name: string): string => `${PREFIX.containerName}${name}`
export const imageMountKey = (imageId: string): string => `${PREFIX.imageMount}${imageId}`
