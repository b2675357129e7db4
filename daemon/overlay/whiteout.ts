/**
 * Whiteouts in overlayfs's format: a character device 0/0 hides the same name in lower layers.
 */
import type { BigIntStats, Dirent } from 'node:fs'
import { lstatSync } from 'node:fs'
import { constants, mkwhiteout } from '../../native-bindings/index.js'

export function isWhiteoutStat(st: BigIntStats): boolean {
  return st.isCharacterDevice() && st.rdev === 0n
}

/** A directory entry is a whiteout when it is a char device 0/0 (needs one lstat for char devices). */
export function isWhiteoutDirent(dir: string, d: Dirent): boolean {
  return d.isCharacterDevice() && lstatSync(`${dir}/${d.name}`, { bigint: true }).rdev === 0n
}

export function makeWhiteout(path: string): void {
  mkwhiteout(constants.AT_FDCWD, path)
}
