/**
 * Image references as Docker's CLI reads them before it asks the daemon: whether a name has
 * neither tag nor digest (`Using default tag: latest`), and the full form it prints when a pull
 * or push is done (`busybox` is docker.io/library/busybox:latest). The daemon checks names;
 * this only normalises ones it accepted (daemon/reference.ts holds the same rule).
 * Tests: test/unit/client/cli/reference-name.test.ts
 */

/** True for `busybox` and `host:5000/team/app`, false for `busybox:1` and `busybox@sha256:…`. */
export function isNameOnly(name: string): boolean {
  const repo = name.split('@')[0] as string
  return !name.includes('@') && repo.lastIndexOf(':') <= repo.lastIndexOf('/')
}

/** `busybox` → docker.io/library/busybox:latest; a name with a registry host keeps it. */
export function fullReference(name: string): string {
  const withTag = isNameOnly(name) ? `${name}:latest` : name
  const parts = withTag.split('/')
  const first = parts[0] as string
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')
  if (!hasHost) return parts.length === 1 ? `docker.io/library/${withTag}` : `docker.io/${withTag}`
  return first === 'index.docker.io' ? `docker.io/${parts.slice(1).join('/')}` : withTag
}
