/** The type of a directory entry, as readdir reports it (d_type), from a Dirent or a stat. */
import type { BigIntStats, Stats } from 'node:fs'
import type { Entry } from './backing-fs.js'

export type EntryType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket'

export function direntType(d: Entry | Stats | BigIntStats): EntryType {
  if (d.isDirectory()) return 'dir'
  if (d.isSymbolicLink()) return 'symlink'
  if (d.isCharacterDevice()) return 'char'
  if (d.isBlockDevice()) return 'block'
  if (d.isFIFO()) return 'fifo'
  if (d.isSocket()) return 'socket'
  return 'file'
}
