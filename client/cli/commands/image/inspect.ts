/** strata image inspect / inspect: Docker's JSON for images, as an array, or through --format. */
import type { Command } from 'commander'
import { action, eachReported, type Cli } from '../../context.js'
import { parseTemplate } from '../../template.js'

export function registerImageInspect(parent: Command, cli: Cli): void {
  parent
    .command('inspect')
    .description('Display detailed information on one or more images')
    .argument('<image...>', 'image references or IDs')
    .option('-f, --format <string>', 'Format output using a Go template')
    .action(
      action(cli, async (client, images: string[], o: { format?: string }) => {
        const found: unknown[] = []
        await eachReported(images, async (image) => {
          found.push(await client.call('image.inspect', { image }))
        })
        if (!o.format) return cli.out(`${JSON.stringify(found, null, 4)}\n`)
        const t = parseTemplate(o.format === 'json' ? '{{json .}}' : o.format)
        for (const f of found) cli.out(`${t.render(f)}\n`)
      }),
    )
}
