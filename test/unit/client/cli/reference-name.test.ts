import t from 'tap'
import { fullReference, isNameOnly } from '../../../../client/cli/reference-name.js'

const DIGEST = `sha256:${'a'.repeat(64)}`

t.test('a name only has no tag and no digest; a port is not a tag', async (t) => {
  t.ok(isNameOnly('busybox'))
  t.ok(isNameOnly('127.0.0.1:5000/team/app'))
  t.notOk(isNameOnly('busybox:1'))
  t.notOk(isNameOnly('127.0.0.1:5000/team/app:1'))
  t.notOk(isNameOnly(`busybox@${DIGEST}`))
})

t.test('the full reference, as docker pull prints it last', async (t) => {
  t.equal(fullReference('busybox'), 'docker.io/library/busybox:latest')
  t.equal(fullReference('user/app:2'), 'docker.io/user/app:2')
  t.equal(fullReference('index.docker.io/user/app:2'), 'docker.io/user/app:2')
  t.equal(fullReference('127.0.0.1:5000/team/app'), '127.0.0.1:5000/team/app:latest')
  t.equal(fullReference('localhost/app:1'), 'localhost/app:1')
  t.equal(fullReference(`busybox@${DIGEST}`), `docker.io/library/busybox@${DIGEST}`)
})
