/**
 * The directory cache of a stack: resolved directory nodes by union path, so resolving a request's
 * parent is a Map hit instead of one lstat and one opaque-xattr read per component. lookup.ts
 * fills it; whatever changes how a directory resolves (rmdir, rename) forgets that subtree.
 * Tests: test/unit/overlay/dir-cache.test.ts and the union suite through the mount.
 */
import type { Node } from './lookup.js'
import { isWithin } from './path.js'

export class DirCache {
  private readonly nodes = new Map<string, Node>()

  get(path: string): Node | undefined {
    return this.nodes.get(path)
  }

  set(path: string, node: Node): void {
    this.nodes.set(path, node)
  }

  /** Forgets `path` and, with `subtree`, every directory below it. */
  forget(path: string, subtree = false): void {
    this.nodes.delete(path)
    if (!subtree) return
    if (path === '') return this.nodes.clear()
    for (const p of this.nodes.keys()) if (isWithin(p, path)) this.nodes.delete(p)
  }

  get size(): number {
    return this.nodes.size
  }
}
