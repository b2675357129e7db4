/**
 * Progress of pull and push, as Docker's CLI prints it (jsonmessage). On a terminal each item (a
 * layer) has one line, redrawn in place, with a bar while bytes move; a line about the whole call
 * (`Digest: …`) is printed below them and the items drawn so far are left as they are. Not on a
 * terminal every event is one plain line, except those that carry byte counts (Downloading,
 * Extracting, Pushing), which Docker leaves out there: scripts grep the lines that remain.
 * Tests: test/unit/client/cli/progress.test.ts, test/integration/cli-pull-push.test.ts
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

  update(e: ProgressEvent): void {
    if (!isItemEvent(e)) {
      this.items.clear()
      this.drawn = 0
      this.out.write(`${e.status}\n`)
      return
    }
    if (this.out.isTTY) {
      this.items.set(e.id, e)
      return this.redraw()
    }
    if (!hasBytes(e)) this.out.write(`${line(e, false)}\n`)
  }

  private redraw(): void {
    let s = this.drawn ? `\x1b[${this.drawn}A` : ''
    for (const e of this.items.values()) s += `\x1b[2K${line(e, true).slice(0, (this.out.columns || 120) - 1)}\n`
    this.drawn = this.items.size
    this.out.write(s)
  }
}

const hasBytes = (e: ProgressEvent): boolean => (e.current ?? 0) > 0 || (e.total ?? 0) > 0

function line(e: ItemEvent, withBar: boolean): string {
  const head = `${e.id}: ${e.status}`
  if (!withBar || e.current === undefined) return head
  if (!e.total) return `${head} ${humanSize(e.current)}`
  const filled = Math.min(BAR_WIDTH, Math.floor((e.current / e.total) * BAR_WIDTH))
  const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled ? '>' : ''}${' '.repeat(BAR_WIDTH - filled)}]`
  return `${head} ${bar} ${humanSize(e.current)}/${humanSize(e.total)}`
}
