/**
 * Progress of long operations (pull, push, load, save, commit), one line per item as Docker
 * shows them. On a terminal the lines are redrawn in place with a bar; otherwise each change of
 * an item's status is printed once as a plain line, so logs stay readable.
 * Tests: test/unit/client/cli/progress.test.ts
 */
import type { ProgressEvent } from '../protocol.js'
import { humanSize } from './human.js'

/** An event about one item (a layer): the lines Progress draws. Events without an id are about the whole call. */
export type ItemEvent = ProgressEvent & { id: string }

export const isItemEvent = (e: ProgressEvent): e is ItemEvent => typeof e.id === 'string' && e.id !== ''

export interface ProgressSink {
  write(s: string): unknown
  isTTY?: boolean
  columns?: number
}

const BAR_WIDTH = 50

export class Progress {
  private readonly items = new Map<string, ItemEvent>()
  private drawn = 0

  constructor(private readonly out: ProgressSink) {}

  update(e: ItemEvent): void {
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

function line(e: ItemEvent, withBar: boolean): string {
  const head = `${e.id}: ${e.status}`
  if (!withBar || e.current === undefined) return head
  if (!e.total) return `${head} ${humanSize(e.current)}`
  const filled = Math.min(BAR_WIDTH, Math.floor((e.current / e.total) * BAR_WIDTH))
  const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled ? '>' : ''}${' '.repeat(BAR_WIDTH - filled)}]`
  return `${head} ${bar} ${humanSize(e.current)}/${humanSize(e.total)}`
}
