/**
 * Progress of long operations (pull, push, load, save, commit), one line per item as Docker
 * shows them. On a terminal the lines are redrawn in place with a bar; otherwise each change of
 * an item's status is printed once as a plain line, so logs stay readable.
 */
import { humanSize } from './human.js'

export interface ProgressEvent {
  /** The item: a layer's short id, a file name. */
  id: string
  status: string
  current?: number
  total?: number
}

export interface ProgressSink {
  write(s: string): unknown
  isTTY?: boolean
  columns?: number
}

const BAR_WIDTH = 50

export class Progress {
  private readonly items = new Map<string, ProgressEvent>()
  private drawn = 0

  constructor(private readonly out: ProgressSink) {}

  update(e: ProgressEvent): void {
    const before = this.items.get(e.id)
    this.items.set(e.id, e)
    if (this.out.isTTY) return this.redraw()
    if (before?.status !== e.status) this.out.write(`${line(e, false)}\n`)
  }

  private redraw(): void {
    let s = this.drawn ? `\x1b[${this.drawn}A` : ''
    for (const e of this.items.values()) s += `\x1b[2K${line(e, true).slice(0, (this.out.columns ?? 120) - 1)}\n`
    this.drawn = this.items.size
    this.out.write(s)
  }
}

function line(e: ProgressEvent, withBar: boolean): string {
  const head = `${e.id}: ${e.status}`
  if (!withBar || e.current === undefined) return head
  if (!e.total) return `${head} ${humanSize(e.current)}`
  const filled = Math.min(BAR_WIDTH, Math.floor((e.current / e.total) * BAR_WIDTH))
  const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled ? '>' : ''}${' '.repeat(BAR_WIDTH - filled)}]`
  return `${head} ${bar} ${humanSize(e.current)}/${humanSize(e.total)}`
}
