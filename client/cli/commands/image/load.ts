/**
 * strata load [-i FILE]: images from a docker-archive or OCI layout tar (`docker load`), plain or
 * compressed with gzip, bzip2, xz or zstd (the daemon tells which by the first bytes, as Docker does).
 * Tests: test/integration/compressed-archives.test.ts, test/integration/image-archive.test.ts
 */
import { createReadStream } from 'node:fs'
import type { Command } from 'commander'
import { action, UsageError, type Cli } from '../../context.js'

export function registerLoad(parent: Command, cli: Cli): void {
  parent
    .command('load')
    .description('Load an image from a tar archive or STDIN')
    .option('-i, --input <file>', 'Read from tar archive file (plain, gzip, bzip2, xz or zstd), instead of STDIN')
    .option('-q, --quiet', 'Suppress progress output (the Loaded image lines stay)')
    .action(
      action(cli, async (client, opts: { input?: string; quiet?: boolean }) => {
        if (!opts.input && process.stdin.isTTY)
          throw new UsageError('requested load from stdin, but stdin is a terminal; use -i or a redirect')
        const upload = opts.input ? createReadStream(opts.input) : process.stdin
        // -q drops progress only; Docker prints the Loaded lines either way (load draws no progress yet).
        const r = await client.call('image.load', {}, { upload })
        for (const image of r.images) {
          if (!image.tags.length) cli.out(`Loaded image ID: ${image.id}\n`)
          for (const tag of image.tags) cli.out(`Loaded image: ${tag}\n`)
        }
      }),
    )
}
