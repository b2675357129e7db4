/**
 * The shared fsync of durable copy-ups: SyncBatches (a copy added while a batch runs joins the
 * next one; each hears its errno once synced, while its duplicate descriptor is still open) and
 * copyUpLater through the engine (the copy is handed out before it is in upper/, its path counts
 * as being copied until then, its attributes and xattrs are read through the copy meanwhile; a
 * failed install removes the copy and is reported; one whose path does not fit in the xattr that
 * names it is installed at once).
 */
import t from 'tap'
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { SyncBatches } from '../../../daemon/overlay/copy-up-sync.js'
import { Overlay } from '../../../daemon/overlay/overlay.js'
import { buildStack, file } from '../../helpers/fixtures.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('a batch takes every copy that came while the last one ran', async (t) => {
  const dir = tmpdir(t, 'strata-batches-')
  const batches = new SyncBatches()
  const heard: string[] = []
  const fds = [0, 1, 2].map((k) => openSync(`${dir}/f${k}`, 'w+'))
  const done = fds.map(
    (fd, k) =>
      new Promise<void>((resolve) => {
        const own = batches.add(fd, (errno) => {
          t.equal(fstatSync(own).ino, fstatSync(fd).ino, 'its duplicate is open while it hears')
          heard.push(`f${k}:${errno}`)
          resolve()
        })
        t.not(own, fd)
      }),
  )
  await Promise.all(done)
  t.same(heard, ['f0:0', 'f1:0', 'f2:0'], 'in order, each synced')
  await batches.room() // nothing waits: no wait
  for (const fd of fds) closeSync(fd)
})

function stack(t: Parameters<typeof tmpdir>[0], volatile = false) {
  const base = tmpdir(t, 'strata-later-')
  const files = [
    file('f', 'lower data', { mode: 0o640, xattrs: { 'user.k': 'v' } }),
    file('setid', 'x', { mode: 0o4755 }),
  ]
  const dirs = buildStack(base, [files])
  return { ov: new Overlay({ ...dirs, volatile }), base, upper: dirs.upper as string }
}

t.test('copyUpLater: the copy is handed out first and installed once synced', async (t) => {
  const { ov, base, upper } = stack(t)
  const open = await ov.openForWriteFd('f', false, true)
  t.equal(open.later, true)
  t.equal(open.upper, `${upper}/f`)
  const fd = open.fd as number
  writeSync(fd, 'LOWER', 0)
  t.ok(ov.copyUpOf('f'), 'the path is being copied')
  t.equal(ov.copyUpsUnderWay, 1)
  t.equal(fstatSync(ov.copyFdOf('f') as number).ino, fstatSync(fd).ino, 'a descriptor of the copy')
  t.equal(ov.getxattr('f', 'user.k').toString(), 'v', 'xattrs read through the copy')
  t.same(ov.listxattr('f'), ['user.k'])
  closeSync(fd) // the opener may close before the install
  await ov.copyUpsSettled()
  t.equal(ov.copyUpOf('f'), undefined)
  t.equal(ov.copyFdOf('f'), undefined)
  t.equal(readFileSync(`${upper}/f`, 'utf8'), 'LOWER data', 'installed with what was written meanwhile')
  t.same(readdirSync(`${base}/work`), [], 'nothing left in work/')
  t.equal(ov.getattr('f').mode & 0o7777, 0o640)
})

t.test('copyUpLater does not apply: volatile stacks, setid files, copies already up', async (t) => {
  const { ov, upper } = stack(t)
  const setid = await ov.openForWriteFd('setid', false, true)
  t.equal(setid.later, false, 'setid bits are dropped by path: copied up in place')
  t.ok(existsSync(`${upper}/setid`))
  closeSync(setid.fd as number)
  const first = await ov.openForWriteFd('f', false, true)
  closeSync(first.fd as number)
  await ov.copyUpsSettled()
  const again = await ov.openForWriteFd('f', false, true)
  t.same(again, { upper: `${upper}/f`, fd: null, later: false, installed: null }, 'already in upper/')
  const v = stack(t, true)
  const vol = await v.ov.openForWriteFd('f', false, true)
  t.equal(vol.later, false, 'a volatile stack has nothing to sync')
  t.ok(existsSync(`${v.upper}/f`))
  closeSync(vol.fd as number)
})

t.test('a second copy-up of the path waits for the install of the one handed out', async (t) => {
  const { ov, upper } = stack(t)
  const first = await ov.openForWriteFd('f', true, true)
  t.equal(first.later, true, 'a truncating open too')
  const second = ov.openForWriteFd('f')
  writeSync(first.fd as number, 'new')
  closeSync(first.fd as number)
  const got = await second
  t.same(got, { upper: `${upper}/f`, fd: null, later: false, installed: null })
  t.equal(readFileSync(`${upper}/f`, 'utf8'), 'new')
})

t.test('a copy whose install fails is removed and reported; its path is free again', async (t) => {
  const { ov, base, upper } = stack(t)
  const heard: string[] = []
  ov.onLateCopyUpError((path, err) => heard.push(`${path}: ${(err as { code?: string }).code}`))
  const open = await ov.openForWriteFd('f', false, true)
  writeFileSync(`${upper}/f`, 'made behind its back') // the rename into place (RENAME_NOREPLACE) fails
  await t.rejects(open.installed as Promise<void>, { code: 'EEXIST' })
  closeSync(open.fd as number)
  await ov.copyUpsSettled()
  t.same(heard, ['f: EEXIST'])
  t.equal(ov.copyUpOf('f'), undefined)
  t.equal(ov.copyFdOf('f'), undefined)
  t.same(readdirSync(`${base}/work`), [], 'the staged copy is gone')
  t.equal(readFileSync(`${upper}/f`, 'utf8'), 'made behind its back', 'what was there stays')
})

t.test('a copy whose path does not fit in an xattr is installed before it is handed out', async (t) => {
  // 4,054 bytes: more than ext4 keeps in one file's xattrs (about 4,040 for this name)
  const dirs19 = Array.from({ length: 19 }, (_, i) => String.fromCharCode(97 + i).repeat(200))
  const deep = [...dirs19, 'z'.repeat(235)].join('/')
  const base = tmpdir(t, 'strata-later-')
  const dirs = buildStack(base, [[file(deep, 'lower')]])
  const ov = new Overlay(dirs)
  const open = await ov.openForWriteFd(deep, false, true)
  t.equal(open.later, true)
  t.equal(readFileSync(`${dirs.upper}/${deep}`, 'utf8'), 'lower', 'in upper/ already')
  await open.installed
  t.equal(ov.copyFdOf(deep), undefined, 'nothing left to read through')
  closeSync(open.fd as number)
  await ov.copyUpsSettled()
  t.same(readdirSync(`${base}/work`), [])
})
