/**
 * Who may talk to the daemon: root, the daemon's own user, and members of its group (primary or
 * supplementary), as the kernel recorded them at connect(2) (SO_PEERCRED, SO_PEERGROUPS). The
 * socket's file mode is the first gate; this is the second, so a looser mode does not open it up.
 */
import type { Socket } from 'node:net'
import { peerCred } from '../../native-bindings/index.js'
import { permissionDenied } from '../errors.js'

export interface Peer {
  pid: number
  uid: number
  gid: number
  groups: number[]
}

export interface PeerPolicy {
  /** The socket group's gid, when that group exists. */
  gid?: number
  groupName: string
}

/** The fd under a connected net.Socket (Node keeps it on the private handle). */
export function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd
  if (typeof fd !== 'number' || fd < 0) throw new TypeError('socket has no file descriptor')
  return fd
}

export function checkPeer(socket: Socket, policy: PeerPolicy): Peer {
  const peer = peerCred(socketFd(socket))
  if (isAllowed(peer, policy)) return peer
  throw permissionDenied(
    `uid ${peer.uid} (pid ${peer.pid}) may not use stratad: run as root or as a member of group ${policy.groupName}`,
  )
}

export function isAllowed(peer: Peer, policy: PeerPolicy): boolean {
  if (peer.uid === 0 || peer.uid === process.getuid?.()) return true
  if (policy.gid === undefined) return false
  return peer.gid === policy.gid || peer.groups.includes(policy.gid)
}
