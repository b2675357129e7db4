/**
 * The data root's directories and who may enter each: made at start, and on a root an older
 * stratad made (db/ 0755 with 0644 files) put right before anything is served. tmp/ is emptied
 * once this daemon holds the root (the database's lock): what is there is staging a crash left.
 * Modes: everything below the root is root's alone (0700). db/ holds every image config, ENV
 * secrets included, and all tags; the rest holds image and container files. Docker makes some of
 * its directories 0710 so that a user-namespace-remapped root, their group, can reach container
 * root filesystems; strata remaps no one, and the members of its group are served through the
 * socket: traversing containers/ would let them change a container's writable layer behind its
 * mount worker (and so behind the change journal diff reads). The mount workers run as root.
 * The root itself stays 0711: others may pass through but not list it, and nothing below is open
 * to them. Files in db/ are kept 0600 by store/db.ts.
 * registry-auth.json (daemon-wide registry logins, which an older stratad kept) is no longer read:
 * logins are each user's own, client side. Start warns about it, and leaves it for root to remove.
 * Tests: test/integration/data-root-modes.test.ts
 */
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from './log.js'

const ROOT_MODE = 0o711
const PRIVATE_DIRS = ['db', 'layers', 'containers', 'image-mounts', 'mounts', 'tmp']
const LEGACY_AUTH = 'registry-auth.json'

export function prepareRoot(root: string, log: Logger): void {
  mkdirSync(root, { recursive: true, mode: ROOT_MODE })
  chmodSync(root, ROOT_MODE)
  for (const dir of PRIVATE_DIRS) {
    mkdirSync(join(root, dir), { recursive: true, mode: 0o700 })
    chmodSync(join(root, dir), 0o700)
  }
  if (existsSync(join(root, LEGACY_AUTH)))
    log.warn(
      `${LEGACY_AUTH} holds daemon-wide registry logins, which are no longer used: each user runs strata login ` +
        'and keeps their own; remove the file',
      { file: join(root, LEGACY_AUTH) },
    )
  log.debug('data root ready', { root })
}

/** Empties tmp/; only for the daemon that holds the root (a second one must not touch its staging). */
export function clearStaging(root: string): void {
  const tmp = join(root, 'tmp')
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { mode: 0o700 })
}
