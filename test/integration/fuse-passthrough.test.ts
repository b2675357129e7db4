/**
 * Passthrough and its absence: with passthrough the daemon sees no READ or WRITE at all; forced off
 * (nopassthrough) data goes through the daemon in requests of up to 1 MiB. Both give the same bytes.
 * A copy-up under an open reader: the reader keeps what it opened, new opens see the new data,
 * and the lower file is never written.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Op } from '../../daemon/fuse/abi.js'
import { buildStack, file } from '../helpers/fixtures.js'
import { mountStrata, type StrataMount } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

const DATA = Buffer.alloc(32 * 1024 * 1024, 'p')

async function mounted(t: Parameters<typeof tmpdir>[0], options: string[]) {
  const base = tmpdir(t, 'strata-pt-')
  const dirs = buildStack(base, [[file('lower.bin', DATA), file('note', 'lower\n')]])
  const m = await mountStrata(t, { ...dirs, mnt: `${base}/mnt`, options })
  return { m, base }
}

interface Ended {
  passthrough: boolean
  requests: Record<string, number>
}

async function endOf(m: StrataMount): Promise<Ended> {
  await m.unmount()
  const line = m.log.find((l) => l.includes('session ended'))
  if (!line) throw new Error(`no 'session ended' line in ${m.log.join('\n')}`)
  return JSON.parse(line) as Ended
}

const workload = (mnt: string) =>
  execFileSync(
    'sh',
    ['-c', 'sha256sum < lower.bin; dd if=lower.bin of=copy.bin bs=1M status=none; sha256sum < copy.bin'],
    {
      cwd: mnt,
      encoding: 'utf8',
    },
  )

t.test('with passthrough no READ or WRITE reaches the daemon', async (t) => {
  const { m } = await mounted(t, [])
  const [a, b] = workload(m.mnt).trim().split('\n')
  t.equal(a, b)
  const end = await endOf(m)
  t.equal(end.passthrough, true, 'negotiated (root, kernel offers it)')
  t.equal(end.requests[String(Op.READ)] ?? 0, 0, 'no READ')
  t.equal(end.requests[String(Op.WRITE)] ?? 0, 0, 'no WRITE')
})

t.test('forced off, data goes through the daemon in large requests', async (t) => {
  const { m } = await mounted(t, ['nopassthrough'])
  const [a, b] = workload(m.mnt).trim().split('\n')
  t.equal(a, b)
  const end = await endOf(m)
  t.equal(end.passthrough, false)
  const writes = end.requests[String(Op.WRITE)] ?? 0
  t.ok(
    writes > 0 && writes <= 64,
    `32 MiB written in ${writes} WRITE requests (1 MiB each at most 32, plus stragglers)`,
  )
  t.ok((end.requests[String(Op.READ)] ?? 0) > 0)
})

const OLD_READER = {
  // passthrough: the reader's registered backing is the lower file (overlayfs before 4.19 did this)
  passthrough: 'lower\nappended\n---\nlower\n',
  // through the daemon: the reader moves to the copy (overlayfs since 4.19 does this)
  nopassthrough: 'lower\nappended\n---\nlower\nappended\n',
}

for (const mode of ['passthrough', 'nopassthrough'] as const) {
  t.test(`copy-up under an open reader (${mode})`, async (t) => {
    const { m, base } = await mounted(t, mode === 'passthrough' ? [] : ['nopassthrough'])
    const out = execFileSync('sh', ['-c', 'exec 3<note; echo appended >> note; cat note; echo ---; cat <&3'], {
      cwd: m.mnt,
      encoding: 'utf8',
    })
    t.equal(out, OLD_READER[mode], 'new opens see the copy; the old reader as documented')
    t.equal(readFileSync(`${base}/l0/note`, 'utf8'), 'lower\n', 'the lower file is untouched')
    t.equal(readFileSync(`${base}/upper/note`, 'utf8'), 'lower\nappended\n')
    await m.unmount()
  })
}
