/**
 * The directory cache of a stack: resolved directory nodes by union path, so resolving a request's
 * parent is a Map hit instead of one lstat and one opaque-xattr read per component. lookup.ts
 * fills it; whatever changes how a directory resolves (rmdir, rename) forgets that subtree, which
 * costs what the subtree holds (the cached children of each directory are indexed), not what the
 * whole cache holds: `rm -rf` of a tree of n directories forgets n times.
 * Tests: test/unit/overlay/dir-cache.test.ts and the union suite through the mount.
 */
import type { Node } from './lookup.js'
import { splitParent } from './path.js'

export class DirCache {
  private readonly nodes = new Map<string, Node>()
  /** the cached directories directly below each path that has any */
  private readonly children = new Map<string, Set<string>>()

  get(path: string): Node | undefined {
    return this.nodes.get(path)
  }

  set(path: string, node: Node): void {
    this.nodes.set(path, node)
    if (path === '') return
    const parent = splitParent(path).parent
    const below = this.children.get(parent)
    if (below) below.add(path)
    else this.children.set(parent, new Set([path]))
  }

  /** Forgets `path` and, with `subtree`, every directory below it. */
  forget(path: string, subtree = false): void {
    if (path === '' && subtree) {
      this.nodes.clear()
      this.children.clear()
      return
    }
    this.nodes.delete(path)
    // alone, the path stays indexed below its parent: directories cached below it go with a
    // subtree forget of the parent later, as they would with a prefix scan
    if (!subtree) return
    this.unindex(path)
    const below = this.children.get(path)
    if (!below) return
    this.children.delete(path)
    for (const child of below) this.forget(child, true)
  }

  private unindex(path: string): void {
    const parent = splitParent(path).parent
    const siblings = this.children.get(parent)
    siblings?.delete(path)
    if (siblings?.size === 0) this.children.delete(parent)
  }

  get size(): number {
    return this.nodes.size
  }
}
