/** Looks a group up by name in /etc/group (Node has no getgrnam); undefined when it is absent. */
import { readFileSync } from 'node:fs'

export function groupId(name: string, groupFile = '/etc/group'): number | undefined {
  let text: string
  try {
    text = readFileSync(groupFile, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  for (const line of text.split('\n')) {
    const [n, , gid] = line.split(':')
    if (n === name && gid !== undefined && /^[0-9]+$/.test(gid)) return Number(gid)
  }
  return undefined
}
