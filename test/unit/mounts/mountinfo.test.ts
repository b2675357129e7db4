import t from 'tap'
import { parseMountinfo, readMountinfo } from '../../../daemon/mounts/mountinfo.js'

t.test('mountinfo lines parse, with octal escapes undone', async (t) => {
  const text = [
    '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw',
    '42 27 0:39 / /tmp/a\\040b rw,relatime - fuse.strata-overlay strata:ab@/var/lib/strata rw,user_id=0',
    '',
  ].join('\n')
  t.same(parseMountinfo(text), [
    { target: '/', fstype: 'ext4', source: '/dev/vda' },
    { target: '/tmp/a b', fstype: 'fuse.strata-overlay', source: 'strata:ab@/var/lib/strata' },
  ])
  t.ok(readMountinfo().some((m) => m.target === '/'))
})
