/**
 * The mount table as the kernel shows it (/proc/self/mountinfo): target, filesystem type and
 * source of each mount, with the kernel's octal escapes (\040 for a space) undone.
 * Tests: test/unit/mounts/mountinfo.test.ts
 */
import { readFileSync } from 'node:fs'

export interface MountEntry {
  target: string
  fstype: string
  source: string
}

export function readMountinfo(file = '/proc/self/mountinfo'): MountEntry[] {
  return parseMountinfo(readFileSync(file, 'utf8'))
}

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = []
  for (const line of text.split('\n')) {
    if (!line) continue
    const [left, right] = line.split(' - ')
    const target = left?.split(' ')[4]
    const [fstype, source] = right?.split(' ') ?? []
    if (target === undefined || fstype === undefined || source === undefined) continue
    out.push({ target: unescape(target), fstype, source: unescape(source) })
  }
  return out
}

const unescape = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)))
