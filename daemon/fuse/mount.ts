/**
 * Mounting a FUSE connection with mount(2) (no fusermount): open /dev/fuse, mount it at the
 * mountpoint with allow_other and default_permissions (the kernel checks permissions; the daemon
 * applies the caller's uid/gid to what it creates).
 */
import { closeSync, openSync } from 'node:fs'
import { constants, mount } from '../../native-bindings/index.js'

export function mountFuse(mountpoint: string, opts: { readonly: boolean; fsname: string }): number {
  const fd = openSync('/dev/fuse', 'r+')
  const data = `fd=${fd},rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions`
  try {
    mount(opts.fsname, mountpoint, 'fuse.strata-overlay', opts.readonly ? constants.MS_RDONLY : 0, data)
  } catch (err) {
    closeSync(fd)
    throw err
  }
  return fd
}
