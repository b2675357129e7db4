/**
 * settleWorkLeftovers: a dead worker's copy handed out before its install is installed where its
 * directory is in upper/ and its name free (its data kept, the private xattr gone, the directory's
 * times kept); other staged entries of dead workers go, and those with the caller's own pid (a dead
 * worker may have had it); a live process's and anything not named as staged stay.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { lstatSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { llistxattr, lsetxattr } from '../../../native-bindings/index.js'
import { stagedFor } from '../../../daemon/overlay/copy-up.js'
import { settleWorkLeftovers } from '../../../daemon/overlay/work-leftovers.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const MARK = stagedFor({ ns: 'trusted' })

t.test("a dead worker's copies are installed where they can be; its other entries go", async (t) => {
  const base = tmpdir(t, 'strata-work-')
  const [work, upper] = [`${base}/work`, `${base}/upper`]
  mkdirSync(`${upper}/d`, { recursive: true })
  mkdirSync(work)
  writeFileSync(`${upper}/taken`, 'was there')
  utimesSync(`${upper}/d`, 1000, 2000)
  const dead = spawnSync('true').pid as number // exited and reaped
  const copy = (n: number, target: string) => {
    writeFileSync(`${work}/#strata-${dead}-${n}`, `copy for ${target}`)
    lsetxattr(`${work}/#strata-${dead}-${n}`, MARK, target)
  }
  copy(1, 'd/f')
  copy(2, 'taken')
  copy(3, 'gone/f')
  copy(4, '../escape')
  writeFileSync(`${work}/#strata-${dead}-5`, 'staged, not a copy')
  mkdirSync(`${work}/#strata-${dead}-6/sub`, { recursive: true })
  writeFileSync(`${work}/#strata-${process.pid}-7`, 'a dead worker had our pid')
  writeFileSync(`${work}/#strata-${process.ppid}-8`, 'a live one')
  writeFileSync(`${work}/other`, '')
  const done = settleWorkLeftovers(work, upper, 'trusted')
  t.same(done.installed, ['d/f'])
  const removed = [2, 3, 4, 5, 6].map((n) => `#strata-${dead}-${n}`).concat(`#strata-${process.pid}-7`)
  t.same(done.removed.sort(), removed.sort())
  t.same(readdirSync(work).sort(), [`#strata-${process.ppid}-8`, 'other'])
  t.equal(readFileSync(`${upper}/d/f`, 'utf8'), 'copy for d/f')
  t.same(llistxattr(`${upper}/d/f`), [], 'the private xattr is gone')
  t.equal(lstatSync(`${upper}/d`).mtimeMs, 2000 * 1000, 'the directory keeps its times')
  t.equal(readFileSync(`${upper}/taken`, 'utf8'), 'was there')
  t.same(readdirSync(upper).sort(), ['d', 'taken'])
})
