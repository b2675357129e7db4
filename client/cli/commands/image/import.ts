/** strata import FILE|- [REPO[:TAG]]: a rootfs tarball becomes a one-layer image (`docker import`). */
import { createReadStream } from 'node:fs'
import type { Command } from 'commander'
import { action, repeatable, type Cli } from '../../context.js'

export function registerImport(parent: Command, cli: Cli): void {
  parent
    .command('import')
    .description('Import the contents from a tarball to create a filesystem image')
    .argument('<file>', 'a tar file (plain or gzip), or - for stdin')
    .argument('[reference]', 'REPOSITORY[:TAG] for the new image')
    .option('-c, --change <instruction>', 'Apply a Dockerfile instruction to the created image', repeatable, [])
    .option('-m, --message <string>', 'Set commit message for imported image')
    .action(
      action(
        cli,
        async (client, file: string, ref: string | undefined, opts: { change: string[]; message?: string }) => {
          const upload = file === '-' ? process.stdin : createReadStream(file)
          const r = await client.call(
            'image.import',
            { ref, changes: opts.change, message: opts.message, source: file },
            { upload },
          )
          cli.out(`${r.id}\n`)
        },
      ),
    )
}
