/**
 * Opaque directories and overlay's private xattrs. An opaque directory (`<ns>.overlay.opaque` = 'y')
 * stops the merge: nothing below it shows. `<ns>` is 'trusted' as root, 'user' otherwise, as
 * overlayfs's userxattr option. Private xattrs are never shown to or set by users.
 */
import { lgetxattrIfAny, lremovexattr, lsetxattr } from './backing-fs.js'
import { hasCode } from './fs-error.js'

export type XattrNamespace = 'trusted' | 'user'

export const opaqueXattr = (ns: XattrNamespace): string => `${ns}.overlay.opaque`

export function isOpaque(path: string, ns: XattrNamespace): boolean {
  return lgetxattrIfAny(path, opaqueXattr(ns))?.toString() === 'y'
}

export function setOpaque(path: string, ns: XattrNamespace): void {
  lsetxattr(path, opaqueXattr(ns), 'y')
}

export function clearOpaque(path: string, ns: XattrNamespace): void {
  try {
    lremovexattr(path, opaqueXattr(ns))
  } catch (err) {
    if (!hasCode(err, 'ENODATA')) throw err
  }
}

/**
 * overlayfs's own attributes (`<ns>.overlay.*`) are private: hidden from users, never copied up.
 * Since Linux 6.7 users may still set such a name: it is stored escaped, `<ns>.overlay.overlay.X`,
 * and shown back as `<ns>.overlay.X`; strata stores and shows them the same way.
 */
export interface XattrNames {
  /** the name users see for a stored name, or null for a private one */
  shown(stored: string): string | null
  /** the name stored for a name users set */
  stored(shown: string): string
}

export function xattrNames(ns: XattrNamespace): XattrNames {
  const own = `${ns}.overlay.`
  const escaped = `${own}overlay.`
  return {
    shown: (stored) =>
      !stored.startsWith(own) ? stored : stored.startsWith(escaped) ? own + stored.slice(escaped.length) : null,
    stored: (shown) => (shown.startsWith(own) ? escaped + shown.slice(own.length) : shown),
  }
}
