import { PassThrough } from 'node:stream'
import t from 'tap'
import { frame } from '../../../../daemon/containers/output-follow.js'
import { demultiplexer } from '../../../../client/cli/output-frames.js'

t.test('frames split anywhere reach their own stream whole', async (t) => {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const sink = demultiplexer({ stdout, stderr })
  const bytes = Buffer.concat([
    frame(1, Buffer.from('hello ')),
    frame(2, Buffer.from('oops\n')),
    frame(1, Buffer.from('world\n')),
  ])
  for (let i = 0; i < bytes.length; i += 5)
    await new Promise<void>((r) => sink.write(bytes.subarray(i, i + 5), () => r()))
  await new Promise<void>((r) => sink.end(r))
  t.equal(stdout.read()?.toString(), 'hello world\n')
  t.equal(stderr.read()?.toString(), 'oops\n')
})
