/**
 * removeWorkLeftovers: staged entries of dead workers go (files and directories), and those with
 * the caller's own pid (a dead worker may have had it); a live process's and anything not named
 * as staged stay.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { removeWorkLeftovers } from '../../../daemon/overlay/work-leftovers.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test("a dead worker's staged entries go; a live one's and others stay", async (t) => {
  const work = tmpdir(t, 'strata-work-')
  const dead = spawnSync('true').pid as number // exited and reaped
  writeFileSync(`${work}/#strata-${dead}-1`, 'a copy never installed')
  mkdirSync(`${work}/#strata-${dead}-2/sub`, { recursive: true })
  writeFileSync(`${work}/#strata-${process.pid}-3`, 'a dead worker had our pid')
  writeFileSync(`${work}/#strata-${process.ppid}-4`, 'a live one')
  writeFileSync(`${work}/other`, '')
  mkdirSync(`${work}/work`)
  const gone = [`#strata-${dead}-1`, `#strata-${dead}-2`, `#strata-${process.pid}-3`]
  t.same(removeWorkLeftovers(work).sort(), gone.sort())
  t.same(readdirSync(work).sort(), [`#strata-${process.ppid}-4`, 'other', 'work'])
})
