import { readFileSync } from 'node:fs'
import t from 'tap'
import { createServer, connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { peerCred } from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

function fdOf(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { fd?: number } })._handle
  if (typeof handle?.fd !== 'number' || handle.fd < 0) throw new Error('socket has no fd')
  return handle.fd
}

t.test('peerCred names the process at the other end', async (t) => {
  const path = join(tmpdir(t), 's.sock')
  const accepted = new Promise<Socket>((resolve) => {
    const server = createServer((s) => resolve(s))
    server.listen(path)
    t.teardown(() => server.close())
  })
  await new Promise((r) => setTimeout(r, 10))
  const client = connect(path)
  t.teardown(() => client.destroy())
  const serverSide = await accepted
  t.teardown(() => serverSide.destroy())
  const cred = peerCred(fdOf(serverSide))
  const status = readFileSync('/proc/self/status', 'utf8')
  const groups = (/^Groups:(.*)$/m.exec(status)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number)
  t.same(cred, { pid: process.pid, uid: 0, gid: 0, groups })
})

t.test('peerCred on a bad fd throws EBADF', async (t) => {
  t.throws(() => peerCred(-1), { code: 'EBADF', syscall: 'getsockopt' })
})
