/**
 * The LevelDB key space, one prefix per kind of record. Keys are ASCII; ids are lowercase hex,
 * so prefix scans never cross kinds.
 */
export const PREFIX = {
  mount: 'mount/',
} as const

export const mountKey = (id: string): string => `${PREFIX.mount}${id}`
