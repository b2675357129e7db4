/**
 * `-u USER[:GROUP]` (or the image's User) as uid, gid and supplementary gids, resolved against
 * the container's own /etc/passwd and /etc/group, as Docker does: names are looked up, numbers
 * are taken as they are (a uid with no passwd entry gets gid 0), and the user's groups in
 * /etc/group become supplementary gids. Also the user's home, for HOME.
 * Never: follows a symlink out of the container: the files are opened with RESOLVE_IN_ROOT.
 * Errors: INVALID_ARGUMENT for a name the container does not know.
 * Tests: test/unit/containers/user-lookup.test.ts
 */
import { closeSync, constants as fsConstants, openSync, readFileSync } from 'node:fs'
import { constants, openat2 } from '../../native-bindings/index.js'
import { invalidArgument } from '../errors.js'

export interface ResolvedUser {
  uid: number
  gid: number
  additionalGids: number[]
  home: string
}

interface PasswdEntry {
  name: string
  uid: number
  gid: number
  home: string
}
interface GroupEntry {
  name: string
  gid: number
  members: string[]
}

const NUMBER = /^\d+$/

/** `spec` is "", "name", "uid", "name:group", "uid:gid", …; `rootfs` is the container's root. */
export function resolveUser(rootfs: string, spec: string): ResolvedUser {
  const [userPart = '', groupPart] = spec.split(':', 2)
  const passwd = parsePasswd(readInRoot(rootfs, 'etc/passwd'))
  const groups = parseGroup(readInRoot(rootfs, 'etc/group'))
  const wanted = userPart || '0'
  const entry = NUMBER.test(wanted)
    ? passwd.find((p) => p.uid === Number(wanted))
    : passwd.find((p) => p.name === wanted)
  if (!entry && !NUMBER.test(wanted))
    throw invalidArgument(`unable to find user ${wanted}: no matching entries in passwd file`)
  const uid = entry?.uid ?? Number(wanted)
  let gid = entry?.gid ?? 0
  if (groupPart !== undefined && groupPart !== '') {
    const g = NUMBER.test(groupPart) ? { gid: Number(groupPart) } : groups.find((x) => x.name === groupPart)
    if (!g) throw invalidArgument(`unable to find group ${groupPart}: no matching entries in group file`)
    gid = g.gid
  }
  const additionalGids =
    groupPart || !entry ? [] : groups.filter((g) => g.members.includes(entry.name) && g.gid !== gid).map((g) => g.gid)
  return { uid, gid, additionalGids, home: entry?.home || '/' }
}

/** The file's text, or '' when the container has none (or it is not a plain file inside the root). */
function readInRoot(rootfs: string, path: string): string {
  const root = openSync(rootfs, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY)
  try {
    const fd = openat2(root, path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK, 0, constants.RESOLVE_IN_ROOT)
    try {
      return readFileSync(fd, 'utf8')
    } finally {
      closeSync(fd)
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ELOOP') return ''
    throw err
  } finally {
    closeSync(root)
  }
}

function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = []
  for (const line of text.split('\n')) {
    const f = line.split(':')
    if (f.length < 7 || !NUMBER.test(f[2] ?? '') || !NUMBER.test(f[3] ?? '')) continue
    out.push({ name: f[0] ?? '', uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' })
  }
  return out
}

function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = []
  for (const line of text.split('\n')) {
    const f = line.split(':')
    if (f.length < 4 || !NUMBER.test(f[2] ?? '')) continue
    out.push({ name: f[0] ?? '', gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) })
  }
  return out
}
