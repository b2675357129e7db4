import t from 'tap'
import { canonical, familiar, parseReference, withDefaultTag } from '../../../daemon/reference.js'

const D = `sha256:${'a'.repeat(64)}`

t.test("Docker's normalisation", async (t) => {
  const cases: Array<[string, string, string]> = [
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['user/app:v1', 'docker.io/user/app:v1', 'user/app:v1'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
    ['localhost:5000/team/app:dev', 'localhost:5000/team/app:dev', 'localhost:5000/team/app:dev'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest', '127.0.0.1:5000/app:latest'],
    ['quay.io/org/sub/app', 'quay.io/org/sub/app:latest', 'quay.io/org/sub/app:latest'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
    [`busybox:1@${D}`, `docker.io/library/busybox:1@${D}`, `busybox:1@${D}`],
    ['a_b-c__d/x.y--z', 'docker.io/a_b-c__d/x.y--z:latest', 'a_b-c__d/x.y--z:latest'],
  ]
  for (const [input, full, short] of cases) {
    const r = withDefaultTag(parseReference(input))
    t.equal(canonical(r), full, input)
    t.equal(familiar(r), short, input)
  }
})

t.test('malformed references are INVALID_ARGUMENT', async (t) => {
  for (const bad of [
    '',
    'Busybox',
    'busybox:',
    'busybox:-x',
    'a//b',
    '-a',
    'a-',
    'busybox@sha256:abc',
    'a:b:c',
    'x'.repeat(300),
    'a..b',
    ':tag',
    'UPPER.io/App',
    'host:port/app',
  ]) {
    t.throws(() => parseReference(bad), { code: 'INVALID_ARGUMENT' }, JSON.stringify(bad))
  }
})
