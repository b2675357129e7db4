/**
 * warmPaths (native-bindings/src/warm-cache.c): lstats paths, or reads directories through, off the
 * JS thread; what fails is passed over and only counted out.
 */
import t from 'tap'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { warmPaths } from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('paths: each one that exists counts, a dangling symlink too (not followed)', async (t) => {
  const dir = tmpdir(t, 'strata-warm-')
  writeFileSync(`${dir}/a`, 'x')
  symlinkSync('nowhere', `${dir}/link`)
  t.equal(await warmPaths([`${dir}/a`, `${dir}/missing`, `${dir}/link`, Buffer.from(`${dir}/a`)], false), 3)
  t.equal(await warmPaths([], false), 0)
  t.equal(await warmPaths([`${dir}/${'n'.repeat(5000)}`], false), 0, 'too long: passed over')
})

t.test('directories: read through, big ones too; a file or a symlink to a directory is not one', async (t) => {
  const dir = tmpdir(t, 'strata-warm-')
  mkdirSync(`${dir}/big`)
  for (let i = 0; i < 2000; i++) writeFileSync(`${dir}/big/entry-with-a-longish-name-${i}`, '')
  mkdirSync(`${dir}/empty`)
  writeFileSync(`${dir}/file`, '')
  symlinkSync('big', `${dir}/link`)
  const dirs = ['big', 'empty', 'file', 'link', 'missing'].map((n) => `${dir}/${n}`)
  t.equal(await warmPaths(dirs, true), 2)
})

t.test('many at once, side by side', async (t) => {
  const dir = tmpdir(t, 'strata-warm-')
  const paths = Array.from({ length: 400 }, (_, i) => `${dir}/f${i}`)
  for (const p of paths.slice(0, 300)) writeFileSync(p, '')
  const counts = await Promise.all([0, 1, 2, 3].map((k) => warmPaths(paths.slice(k * 100, k * 100 + 100), false)))
  t.same(counts, [100, 100, 100, 0])
})
