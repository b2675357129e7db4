/**
 * Whiteouts in overlayfs's format: a character device 0/0 hides the same name in lower layers.
 */
import type { BigIntStats } from 'node:fs'
import { lstat, mkwhiteout, type Entry } from './backing-fs.js'

export function isWhiteoutStat(st: BigIntStats): boolean {
  return st.isCharacterDevice() && st.rdev === 0n
}

/** A directory entry is a whiteout when it is a char device 0/0 (needs one lstat for char devices). */
export function isWhiteoutDirent(dir: string, d: Entry): boolean {
  return d.isCharacterDevice() && lstat(`${dir}/${d.name}`).rdev === 0n
}

export function makeWhiteout(path: string): void {
  mkwhiteout(path)
}
