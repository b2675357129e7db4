/**
 * strata import FILE|URL|- [REPO[:TAG]]: a rootfs tarball (plain, gzip, bzip2, xz or zstd) becomes
 * a one-layer image (`docker import`). A file or stdin is uploaded; an http(s) URL is downloaded
 * by the daemon, which sends its progress: "Downloading from URL", then an "Importing" bar.
 * Tests: test/integration/image-import-url.test.ts, test/integration/compressed-archives.test.ts
 */
import { createReadStream } from 'node:fs'
import type { Command } from 'commander'
import type { ProgressEvent } from '../../../protocol.js'
import { action, repeatable, type Cli } from '../../context.js'
import { humanSize } from '../../human.js'

/** As Docker's CLI tells them apart: a scheme and `//` make a URL (the daemon says which schemes it takes). */
const isUrl = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s)

export function registerImport(parent: Command, cli: Cli): void {
  parent
    .command('import')
    .description('Import the contents from a tarball to create a filesystem image')
    .argument('<file|URL|->', 'a tar file (plain, gzip, bzip2, xz or zstd), an http(s) URL of one, or - for stdin')
    .argument('[reference]', 'REPOSITORY[:TAG] for the new image')
    .option('-c, --change <instruction>', 'Apply a Dockerfile instruction to the created image', repeatable, [])
    .option('-m, --message <string>', 'Set commit message for imported image')
    .action(
      action(
        cli,
        async (client, file: string, ref: string | undefined, opts: { change: string[]; message?: string }) => {
          const params = { ref, changes: opts.change, message: opts.message }
          const r = isUrl(file)
            ? await client.call('image.import', { ...params, url: file }, { onEvent: importProgress(cli) })
            : await client.call(
                'image.import',
                { ...params, source: file },
                { upload: file === '-' ? process.stdin : createReadStream(file) },
              )
          cli.out(`${r.id}\n`)
        },
      ),
    )
}

/** Docker's lines: the status lines as they come; the Importing bar redrawn on a terminal, else printed once. */
function importProgress(cli: Cli): (e: ProgressEvent) => void {
  const tty = process.stdout.isTTY
  let shown = false
  return (e) => {
    if (e.current === undefined) return cli.out(`${e.status}\n`)
    if (!tty) {
      if (!shown) cli.out(`${e.status}\n`)
      shown = true
      return
    }
    const size = e.total ? `${humanSize(e.current)}/${humanSize(e.total)}` : humanSize(e.current)
    const filled = e.total ? Math.min(50, Math.floor((e.current / e.total) * 50)) : 0
    const bar = e.total ? ` [${'='.repeat(Math.max(0, filled - 1))}${filled ? '>' : ''}${' '.repeat(50 - filled)}]` : ''
    cli.out(`\r\x1b[2K${e.status}${bar} ${size}${e.current === e.total ? '\n' : ''}`)
  }
}
