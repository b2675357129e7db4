/**
 * The union engine with a change journal (journal.ts): every operation that can change upper/
 * notes its union paths before it runs. A failed operation leaves a path noted that did not
 * change, which diff finds unchanged; an operation never runs unnoted.
 */
import type { Attr, Caller, OverlayOptions, SetAttr } from '../overlay/overlay.js'
import { Overlay } from '../overlay/overlay.js'
import { JournalWriter } from './journal.js'

export class JournaledOverlay extends Overlay {
  private readonly journal: JournalWriter

  constructor(opts: OverlayOptions & { upper: string }, journalFile: string) {
    super(opts)
    this.journal = new JournalWriter(journalFile, opts.upper)
  }

  override create(path: string, mode: number, caller?: Caller): Attr {
    this.journal.note(path)
    return super.create(path, mode, caller)
  }

  override mkdir(path: string, mode: number, caller?: Caller): Attr {
    this.journal.note(path)
    return super.mkdir(path, mode, caller)
  }

  override mknod(path: string, mode: number, major: number, minor: number, caller?: Caller): Attr {
    this.journal.note(path)
    return super.mknod(path, mode, major, minor, caller)
  }

  override symlink(target: string, path: string, caller?: Caller): Attr {
    this.journal.note(path)
    return super.symlink(target, path, caller)
  }

  override async link(existing: string, path: string): Promise<Attr> {
    this.journal.note(existing)
    this.journal.note(path)
    return super.link(existing, path)
  }

  override unlink(path: string): void {
    this.journal.note(path)
    super.unlink(path)
  }

  override rmdir(path: string): void {
    this.journal.note(path)
    super.rmdir(path)
  }

  override async rename(from: string, to: string, flags = 0): Promise<void> {
    this.journal.note(from, true)
    this.journal.note(to, true)
    return super.rename(from, to, flags)
  }

  override async setattr(path: string, attr: SetAttr): Promise<Attr> {
    this.journal.note(path)
    return super.setattr(path, attr)
  }

  override async setxattr(path: string, name: string, value: Buffer, flags = 0): Promise<void> {
    this.journal.note(path)
    return super.setxattr(path, name, value, flags)
  }

  override async removexattr(path: string, name: string): Promise<void> {
    this.journal.note(path)
    return super.removexattr(path, name)
  }

  override async openForWrite(path: string, truncate = false): Promise<string> {
    this.journal.note(path)
    return super.openForWrite(path, truncate)
  }
}
