import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { openOutput } from '../../../daemon/containers/output-follow.js'
import { containerPaths } from '../../../daemon/containers/paths.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const frames = async (gen: AsyncGenerator<Buffer>) => {
  const out: string[] = []
  for await (const f of gen) out.push(`${f[0]}:${f.readUInt32BE(4)}:${f.subarray(8).toString()}`)
  return out
}

t.test('both logs as multiplexed frames, from the start or only what comes after', async (t) => {
  const dir = join(tmpdir(t), 'c')
  mkdirSync(dir)
  const paths = containerPaths(dir)
  appendFileSync(paths.stdout, 'old\n')
  const fromStart = openOutput(paths, 'start')
  const fromEnd = openOutput(paths, 'end')
  appendFileSync(paths.stderr, 'err\n')
  t.same(await frames(fromStart.frames(null)), ['1:4:old\n', '2:4:err\n'])
  t.same(await frames(fromEnd.frames(null)), ['2:4:err\n'])
  fromStart.close()
  fromEnd.close()
})

t.test('following: what is written meanwhile, until the end and the logs are drained', async (t) => {
  const dir = join(tmpdir(t), 'c')
  mkdirSync(dir)
  const paths = containerPaths(dir)
  const reader = openOutput(paths, 'end')
  let end = () => {}
  const ended = new Promise<void>((r) => (end = r))
  const got = frames(reader.frames({ ended, signal: new AbortController().signal }))
  appendFileSync(paths.stdout, 'a\n')
  await new Promise((r) => setTimeout(r, 50))
  appendFileSync(paths.stdout, 'b\n')
  end()
  const out = (await got).join('')
  reader.close()
  t.equal(out.replace(/1:\d+:/g, ''), 'a\nb\n', 'every byte, the last written just before the end')
})
