import t from 'tap'
import { isItemEvent, Progress } from '../../../../client/cli/progress.js'

t.test('events with an id are items; the others are about the whole call', async (t) => {
  t.ok(isItemEvent({ id: 'abc', status: 'Pushed', layer: 'sha256:abc' }))
  t.notOk(isItemEvent({ status: 'Digest: sha256:abc' }))
  t.notOk(isItemEvent({ id: '', status: 'x' }))
})

t.test('not on a terminal: a plain line per event, none for those that count bytes (as Docker)', async (t) => {
  let out = ''
  const p = new Progress({ write: (s: string) => (out += s) })
  p.update({ status: 'latest: Pulling from library/busybox' })
  p.update({ id: 'a', status: 'Pulling fs layer' })
  p.update({ id: 'a', status: 'Downloading', current: 1, total: 10 })
  p.update({ id: 'a', status: 'Downloading', current: 5, total: 10 })
  p.update({ id: 'b', status: 'Already exists' })
  p.update({ id: 'a', status: 'Verifying Checksum' })
  p.update({ id: 'a', status: 'Download complete' })
  p.update({ id: 'a', status: 'Extracting', current: 10, total: 10 })
  p.update({ id: 'a', status: 'Pull complete' })
  p.update({ status: 'Digest: sha256:abc' })
  t.equal(
    out,
    'latest: Pulling from library/busybox\na: Pulling fs layer\nb: Already exists\na: Verifying Checksum\n' +
      'a: Download complete\na: Pull complete\nDigest: sha256:abc\n',
  )
})

t.test('on a terminal: lines redrawn in place, with a bar while bytes move', async (t) => {
  let out = ''
  const p = new Progress({ write: (s: string) => (out += s), isTTY: true, columns: 200 })
  p.update({ id: 'a', status: 'Downloading', current: 5, total: 10 })
  t.match(out, /a: Downloading \[=+> +\] 5B\/10B\n$/)
  out = ''
  p.update({ id: 'a', status: 'Pull complete' })
  t.equal(out, '\x1b[1A\x1b[2Ka: Pull complete\n', 'moves up over the line drawn before')
  out = ''
  p.update({ status: 'Digest: sha256:abc' })
  p.update({ id: 'b', status: 'Pushed' })
  t.equal(out, 'Digest: sha256:abc\n\x1b[2Kb: Pushed\n', 'a line about the call ends the items drawn so far')
})
