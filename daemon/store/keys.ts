/**
 * The LevelDB key space, one prefix per kind of record. Keys are ASCII; ids are lowercase hex
 * digests, so prefix scans never cross kinds.
 */
export const PREFIX = {
  mount: 'mount/',
  layer: 'layer/',
} as const

export const mountKey = (id: string): string => `${PREFIX.mount}${id}`
export const layerKey = (chainId: string): string => `${PREFIX.layer}${chainId}`
