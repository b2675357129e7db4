/** The CLI's own version, read from the package it ships in. */
import { readFileSync } from 'node:fs'

export const CLI_VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version
