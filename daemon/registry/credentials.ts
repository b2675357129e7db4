/**
 * Registry credentials (`strata login`), kept in <root>/registry-auth.json, mode 0600, owned by
 * the daemon's user (root): readable by nobody else. Written whole through a rename.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Credentials } from './client.js'

type Stored = Record<string, { auth: string }>

export class CredentialStore {
  private readonly file: string

  constructor(root: string) {
    this.file = join(root, 'registry-auth.json')
  }

  get(host: string): Credentials | undefined {
    const entry = this.read()[host]
    if (!entry) return undefined
    const text = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = text.indexOf(':')
    return { username: text.slice(0, colon), password: text.slice(colon + 1) }
  }

  set(host: string, c: Credentials | null): void {
    const all = this.read()
    if (c) all[host] = { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') }
    else delete all[host]
    writeFileSync(`${this.file}.new`, JSON.stringify(all), { mode: 0o600 })
    renameSync(`${this.file}.new`, this.file)
  }

  private read(): Stored {
    return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Stored) : {}
  }
}
