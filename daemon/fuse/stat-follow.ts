/**
 * Whether programs stat what they list, which decides a READDIRPLUS window's form (ops/dir.ts): with
 * attributes, the kernel holds every entry and a stat of one needs no LOOKUP; with names only, the
 * window costs what a plain READDIR costs and each stat that follows costs a LOOKUP. The kernel's
 * own rule (READDIRPLUS_AUTO: attributes for a directory's first window, and after lookups in it)
 * sends `find -printf`, `ls -l` and `du` a LOOKUP for every entry past the first window, since they
 * read a whole directory before they stat any of it; strata asks for READDIRPLUS always and decides
 * here instead. A directory's first window has attributes, as the kernel's rule has it. Later ones
 * have them while stats follow listings: each LOOKUP of a file the kernel did not hold (a stat of
 * an entry given by name only) adds one to a score, up to MAX_SCORE, and each later window sent with
 * attributes takes one away, so after listings nobody stats, windows go back to names only.
 * Tests: test/unit/fuse/stat-follow.test.ts, test/integration/fuse-prefetch.test.ts
 */

const MAX_SCORE = 64

export class StatFollow {
  private score = 0
  /** windows after a directory's first, by the form they were given (the worker logs them at the end) */
  readonly windows = { attributes: 0, names: 0 }

  /** A LOOKUP found a file the kernel did not hold. */
  seen(): void {
    if (this.score < MAX_SCORE) this.score++
  }

  /** Whether the READDIRPLUS window at `offset` (0: a directory's first) carries attributes. */
  attributes(offset: number): boolean {
    if (offset === 0) return true
    const full = this.score > 0
    if (full) this.score--
    this.windows[full ? 'attributes' : 'names']++
    return full
  }
}
