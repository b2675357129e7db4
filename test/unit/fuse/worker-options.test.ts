/**
 * strata-overlay's command line (daemon/fuse/worker-options.ts): fuse-overlayfs's options, the
 * ones it does not know ignored with a warning, strata's own (spin=, journal=, nopassthrough), and
 * usage errors for what cannot work.
 */
import t from 'tap'
import { DEFAULT_SPIN_US, parseWorkerArgs, UsageError } from '../../../daemon/fuse/worker-options.js'

const BASE = 'lowerdir=/l/a:/l/b,upperdir=/u,workdir=/w'

t.test("fuse-overlayfs's command line", async (t) => {
  const o = parseWorkerArgs(['-f', '-o', `${BASE},volatile,allow_other,xino=off`, '/mnt'])
  t.same(o.lowers, ['/l/a', '/l/b'])
  t.equal(o.upper, '/u')
  t.equal(o.work, '/w')
  t.equal(o.mountpoint, '/mnt')
  t.ok(o.foreground)
  t.ok(o.volatile)
  t.ok(o.passthrough)
  t.equal(o.spinUs, DEFAULT_SPIN_US)
  t.same(o.warnings, ['ignoring unknown option xino=off'])
})

t.test("strata's own options", async (t) => {
  const o = parseWorkerArgs([`-o${BASE},nopassthrough,spin=0,journal=/j,fsname=c1`, '/mnt'])
  t.notOk(o.passthrough)
  t.equal(o.spinUs, 0)
  t.equal(o.journal, '/j')
  t.equal(o.fsname, 'c1')
  t.equal(parseWorkerArgs(['-o', `${BASE},spin=1000`, '/mnt']).spinUs, 1000)
})

/** The UsageError parsing `argv` throws, or null. */
function usageError(argv: string[]): UsageError | null {
  try {
    parseWorkerArgs(argv)
  } catch (err) {
    if (err instanceof UsageError) return err
    throw err
  }
  return null
}

t.test('usage errors', async (t) => {
  for (const spin of ['', '-1', '1001', 'abc', '1.5', '99999'])
    t.match(usageError(['-o', `${BASE},spin=${spin}`, '/mnt'])?.message, /^spin= takes 0 to 1000/, `spin=${spin}`)
  t.ok(usageError(['-o', BASE]), 'no mountpoint')
  t.ok(usageError(['-o', 'volatile', '/mnt']), 'neither lowerdir nor upperdir')
  t.ok(usageError(['-o', 'lowerdir=/l,upperdir=/u', '/mnt']), 'no workdir')
  t.ok(usageError(['-o', 'lowerdir=/l,journal=/j', '/mnt']), 'journal without upper')
})
