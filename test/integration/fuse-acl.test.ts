/**
 * POSIX ACLs through a strata mount, against kernel overlayfs on the same layers: the kernel
 * enforces a lower file's ACL (the mount negotiates POSIX_ACL, so it also caches ACLs and a warm
 * `ls -l` asks for one xattr per file, not two), setfacl/chmod/setfacl -b through the mount, and a
 * directory's default ACL passed on to what is made in it (an entry made by this mount is not
 * assumed bare when its directory has xattrs). Known difference, left out of the comparison: in a
 * directory with a default ACL the caller's umask still applies (FUSE strips it without
 * DONT_MASK), where overlayfs lets the default ACL replace it.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { mountKernelOverlay } from '../helpers/kernel-overlay.js'
import { mountStrata } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

const sh = (cwd: string, script: string): string =>
  execFileSync('sh', ['-c', script], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

/** One lower layer: a 0600 file nobody may read by ACL, a 0640 one, a directory with a default ACL. */
function lowerLayer(base: string): string {
  const l = `${base}/l`
  mkdirSync(`${l}/d`, { recursive: true })
  writeFileSync(`${l}/f`, 'secret\n', { mode: 0o600 })
  writeFileSync(`${l}/g`, 'g\n', { mode: 0o640 })
  sh(l, 'setfacl -m u:nobody:r f && setfacl -d -m u:nobody:rwx d')
  return l
}

const AS_NOBODY = 'setpriv --reuid=65534 --regid=65534 --clear-groups'

/** What a user sees; each line comparable between the two mounts. */
const SCRIPT = `
umask 022
${AS_NOBODY} cat f 2>&1 | sed 's/^.*: //'
${AS_NOBODY} cat g 2>&1 | sed 's/^.*: //'
getfacl -cp f
touch d/new && mkdir d/sub
getfacl -cp d/new | grep '^user:nobody' | cut -f1
getfacl -cp d/sub | grep -E '^(user:nobody|default:user:nobody)' | cut -f1
setfacl -m u:nobody:rw g
${AS_NOBODY} sh -c 'echo w >> g' 2>&1 | sed 's/^.*: //'
cat g
chmod 600 g
getfacl -cp g
${AS_NOBODY} cat g 2>&1 | sed 's/^.*: //'
setfacl -b g
getfacl -cp g
stat -c '%A' g
`

t.test('ACLs through the mount behave as on kernel overlayfs', async (t) => {
  const results: string[] = []
  for (const backend of ['overlayfs', 'strata'] as const) {
    const base = tmpdir(t, `strata-acl-${backend}-`)
    const lower = lowerLayer(base)
    for (const d of ['upper', 'work']) mkdirSync(`${base}/${d}`)
    const mnt = `${base}/mnt`
    if (backend === 'overlayfs') {
      const k = mountKernelOverlay(t, [lower], `${base}/upper`, `${base}/work`, mnt)
      results.push(sh(mnt, SCRIPT))
      k.unmount()
    } else {
      const m = await mountStrata(t, { lowers: [lower], upper: `${base}/upper`, work: `${base}/work`, mnt })
      results.push(sh(mnt, SCRIPT))
      await m.unmount()
    }
  }
  const [kernel, strata] = results as [string, string]
  t.match(kernel, /^secret\n/, 'the oracle: the ACL lets nobody read a 0600 file')
  t.match(kernel, /user:nobody:rwx/, 'the oracle: the default ACL is inherited')
  t.equal(strata, kernel)
})
