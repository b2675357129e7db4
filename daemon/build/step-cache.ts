/**
 * The step cache, as Docker's classic builder keeps it: a step's result is an image whose parent
 * is the previous step's and whose last history entry says what the step did (`created_by`, the
 * key made here). A step is reused when an image with the same parent and the same key exists:
 * the key holds the instruction after substitution, for RUN the shell, the build args in use and
 * a network other than the default none (a step run with the host's network is not the same step;
 * Docker's classic builder had no such choice to key on), and for COPY and ADD the checksum of
 * their sources (source-checksum.ts).
 * Pure: keys from values, lookup over the records given.
 * Tests: test/unit/build/step-cache.test.ts, test/integration/image-build-instructions.test.ts
 */
import { parseConfig } from '../store/image-config.js'
import type { ImageRecord } from '../store/images.js'

/** A step that only changes the config: `/bin/sh -c #(nop)  ENV A=1`, as Docker writes it. */
export const configKey = (instruction: string): string => `/bin/sh -c #(nop)  ${instruction}`

/**
 * RUN: its command line, after the build args it sees and the network when it is not none
 * (`|1 V=2 /bin/sh -c make`, `--network=host /bin/sh -c make`): with none, the key is Docker's.
 */
export function runKey(
  argv: string[],
  buildArgs: ReadonlyMap<string, string>,
  network: 'none' | 'host' = 'none',
): string {
  const args = [...buildArgs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`)
  const net = network === 'none' ? '' : `--network=${network} `
  return `${args.length ? `|${args.length} ${args.join(' ')} ` : ''}${net}${argv.join(' ')}`
}

/** COPY and ADD: the sources by checksum, so a changed file changes the key. */
export function copyKey(keyword: 'COPY' | 'ADD', flags: string, checksum: string, dest: string): string {
  return `/bin/sh -c #(nop) ${keyword} ${flags ? `${flags} ` : ''}${checksum} in ${dest} `
}

/** The newest image that is `parent`'s child (a base image with no history before it, for scratch) made by `key`. */
export function findCached(images: ImageRecord[], parent: ImageRecord | null, key: string): ImageRecord | undefined {
  const depth = parent ? parseConfig(Buffer.from(parent.config)).history.length : 0
  return images
    .filter((i) => i.parent === (parent?.id ?? null))
    .filter((i) => {
      const history = parseConfig(Buffer.from(i.config)).history
      return history.length === depth + 1 && history[depth]?.created_by === key
    })
    .sort((a, b) => b.created.localeCompare(a.created))[0]
}
