/**
 * Trees whose names are any bytes and whose paths go deeper than PATH_MAX, made and read by
 * python3's os module (bytes names, descriptors: os.fwalk and dir_fd), which takes both without
 * any of strata's code, so it is an oracle for it. `snapshotBytes` lists every entry below a root
 * as one line: its path (Python's bytes repr), type, mode, owner, nlink (not for directories),
 * size and content hash (files), link target, rdev, mtime in whole seconds and user.* xattrs. A
 * whiteout (char 0/0) is its path only: a layer makes its whiteouts afresh, mode 0 and mtime now.
 */
import { execFileSync } from 'node:child_process'

const SNAPSHOT = String.raw`
import hashlib, os, stat, sys
root = sys.argv[1].encode()
out = []
for dirpath, dirnames, filenames, dfd in os.fwalk(root, follow_symlinks=False):
    rel = dirpath[len(root) + 1:]
    for n in sorted(dirnames + filenames):
        p = rel + b'/' + n if rel else n
        st = os.stat(n, dir_fd=dfd, follow_symlinks=False)
        m = st.st_mode
        kind = ('dir' if stat.S_ISDIR(m) else 'symlink' if stat.S_ISLNK(m) else 'file' if stat.S_ISREG(m)
                else 'fifo' if stat.S_ISFIFO(m) else 'whiteout' if stat.S_ISCHR(m) and st.st_rdev == 0
                else 'char' if stat.S_ISCHR(m) else 'block' if stat.S_ISBLK(m) else 'other')
        extra = ''
        if kind == 'file':
            fd = os.open(n, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dfd)
            with os.fdopen(fd, 'rb') as f:
                extra = ' sha=' + hashlib.sha256(f.read()).hexdigest()[:16]
        if kind == 'symlink':
            extra = ' -> ' + repr(os.readlink(n, dir_fd=dfd))
        if kind in ('char', 'block'):
            extra = ' rdev=%d' % st.st_rdev
        xs = sorted(x for x in os.listxattr('/proc/self/fd/%d/%s' % (dfd, n.decode('utf-8', 'surrogateescape')), follow_symlinks=False) if x.startswith('user.'))
        xattrs = ''.join(' %s=%r' % (x, os.getxattr('/proc/self/fd/%d/%s' % (dfd, n.decode('utf-8', 'surrogateescape')), x, follow_symlinks=False)) for x in xs)
        if kind == 'whiteout':
            out.append('%r whiteout' % p)
            continue
        nlink = '' if kind == 'dir' else ' nlink=%d' % st.st_nlink
        out.append('%r %s %o %d:%d%s size=%d mtime=%d%s%s' % (p, kind, stat.S_IMODE(m), st.st_uid, st.st_gid, nlink,
                   st.st_size if kind == 'file' else 0, int(st.st_mtime), extra, xattrs))
sys.stdout.write('\n'.join(sorted(out)))
`

/**
 * Python that defines deep_file(top): 20 directories of 200 bytes below `top` (names with 0xfe),
 * then a file 'deep' whose path below `top` is 4,094 bytes (the most a tar path may be; past
 * PATH_MAX with `top` on it), made through descriptors; returns (the directories' path, the name).
 * Scripts start with it: it imports os and sys.
 */
export const DEEP_FILE = String.raw`
import os, sys
def deep_file(top):
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    depth = b''
    for i in range(20):
        n = b'd%02d\xfe' % i + b'x' * 196
        os.mkdir(n, dir_fd=fd)
        nfd = os.open(n, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd); os.close(fd); fd = nfd
        depth += n + b'/'
    last = b'f' * (4094 - len(depth) - 1) + b'\xc3'
    w = os.open(last, os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd); os.write(w, b'deep'); os.close(w)
    os.close(fd)
    return depth, last
`

/** Runs a python3 script with arguments; its stdout. */
export const python = (script: string, ...args: string[]): Buffer =>
  execFileSync('python3', ['-c', script, ...args], { maxBuffer: 1 << 28 })

/** One line per entry below `root` (not `root` itself), sorted. */
export const snapshotBytes = (root: string): string[] => python(SNAPSHOT, root).toString().split('\n').filter(Boolean)

/** Python's bytes repr of each of `paths` (so a path compares with snapshotBytes' lines). */
export const reprs = (paths: Buffer[]): string[] =>
  python('import sys\nfor h in sys.argv[1:]: print(repr(bytes.fromhex(h)))', ...paths.map((p) => p.toString('hex')))
    .toString()
    .split('\n')
    .filter(Boolean)
