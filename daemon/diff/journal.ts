/**
 * The change journal of a container's upper layer: the mount worker appends every union path an
 * operation is about to change (the engine's beforeChange hook, overlay/overlay.ts) before doing it, so `diff` looks at those
 * paths only (changes.ts) instead of walking upper/. Text lines: a header
 * `strata-journal 1 <boot id> complete|incomplete`, then one JSON string per path, prefixed `p `
 * for a path or `s ` for a path whose whole subtree changed (a renamed directory).
 *
 * Usable only when it covers every change: written from the first change on (upper/ was empty
 * when it began, or it continues a usable one), and in this boot (appends reach the page cache
 * before the operation, so only a crash of the machine loses them, and that changes the boot id).
 * Otherwise it says `incomplete` and diff walks upper/ instead.
 * A path with bytes that are not UTF-8 (escaped, overlay/names.ts) is written by JSON.stringify as
 * `\udcXX` and read back as the same string.
 * Tests: test/unit/diff/journal.test.ts, test/integration/tree-names.test.ts
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'

const MAGIC = 'strata-journal 1'

export interface JournalContents {
  paths: Set<string>
  subtrees: Set<string>
}

export const bootId = (): string => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()

/** What a journal file says, or null when it cannot be trusted to hold every change. */
export function readJournal(file: string): JournalContents | null {
  if (!existsSync(file)) return null
  const [header, ...lines] = readFileSync(file, 'utf8').split('\n')
  if (header !== `${MAGIC} ${bootId()} complete`) return null
  const out: JournalContents = { paths: new Set(), subtrees: new Set() }
  for (const line of lines) {
    if (!line) continue
    const path = JSON.parse(line.slice(2)) as string
    ;(line.startsWith('s ') ? out.subtrees : out.paths).add(path)
  }
  return out
}

const lineOf = (path: string, subtree: boolean) => `${subtree ? 's' : 'p'} ${JSON.stringify(path)}\n`

export class JournalWriter {
  private readonly seen = new Set<string>()

  /** Continues a usable journal, or starts one: complete if upper/ is still empty, else not. */
  constructor(
    private readonly file: string,
    upper: string,
  ) {
    if (readJournal(file)) return
    const complete = readdirSync(upper).length === 0
    writeFileSync(file, `${MAGIC} ${bootId()} ${complete ? 'complete' : 'incomplete'}\n`, { mode: 0o600 })
  }

  /** Records that `path` (and with `subtree`, everything below it) is about to change. */
  note(path: string, subtree = false): void {
    const line = lineOf(path, subtree)
    if (this.seen.has(line)) return
    appendFileSync(this.file, line)
    this.seen.add(line)
  }

  /** Whether this writer has recorded `path` itself (a subtree above it is not looked at). */
  has(path: string): boolean {
    return this.seen.has(lineOf(path, false))
  }
}
