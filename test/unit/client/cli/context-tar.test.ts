import { execFileSync } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { contextTar } from '../../../../client/cli/build/context-tar.js'
import { parseDockerignore } from '../../../../client/cli/build/dockerignore.js'
import { tmpdir } from '../../../helpers/tmpdir.js'

t.test('GNU tar reads the context tar: files, dirs, links, long names, root owner, ignores', async (t) => {
  const dir = tmpdir(t)
  const long = 'd'.repeat(80)
  mkdirSync(join(dir, long, 'sub'), { recursive: true })
  writeFileSync(join(dir, long, 'sub', 'f'.repeat(60)), 'long')
  writeFileSync(join(dir, 'big'), Buffer.alloc(700_000, 7))
  writeFileSync(join(dir, 'skip.tmp'), 'x')
  mkdirSync(join(dir, 'ignored/keep'), { recursive: true })
  writeFileSync(join(dir, 'ignored/keep/k'), 'k')
  writeFileSync(join(dir, 'ignored/other'), 'o')
  symlinkSync('big', join(dir, 'link'))
  const chunks: Buffer[] = []
  for await (const c of contextTar(dir, parseDockerignore('*.tmp\nignored\n!ignored/keep'))) chunks.push(c)
  const tar = Buffer.concat(chunks)
  t.equal(tar.length % 512, 0)
  const list = execFileSync('tar', ['-tvf', '-'], { input: tar, encoding: 'utf8' })
  const names = execFileSync('tar', ['-tf', '-'], { input: tar, encoding: 'utf8' }).split('\n').filter(Boolean).sort()
  t.same(names, [
    'big',
    `${long}/`,
    `${long}/sub/`,
    `${long}/sub/${'f'.repeat(60)}`,
    'ignored/keep/',
    'ignored/keep/k',
    'link',
  ])
  t.match(list, /root\/root|0\/0/)
  const out = tmpdir(t)
  execFileSync('tar', ['-xf', '-', '-C', out], { input: tar })
  t.equal(execFileSync('cat', [join(out, long, 'sub', 'f'.repeat(60))], { encoding: 'utf8' }), 'long')
  t.equal(
    execFileSync('sha256sum', [join(out, 'big')], { encoding: 'utf8' }).split(' ')[0],
    execFileSync('sha256sum', [join(dir, 'big')], { encoding: 'utf8' }).split(' ')[0],
  )
})
