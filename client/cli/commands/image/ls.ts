/** strata images / strata image ls: REPOSITORY, TAG, IMAGE ID, CREATED, SIZE, as `docker images`. */
import type { Command } from 'commander'
import type { ImageSummary } from '../../../protocol.js'
import { action, parseFilters, repeatable, type Cli } from '../../context.js'
import { humanAgo, humanSize, shortId } from '../../human.js'
import { renderList } from '../../output.js'

const HEADERS = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  Size: 'SIZE',
}

export function registerImageLs(parent: Command, cli: Cli, name: 'images' | 'ls'): void {
  const cmd = parent.command(name).description('List images')
  if (name === 'ls') cmd.alias('list')
  cmd
    .argument('[reference]', 'only images matching this reference glob')
    .option('-a, --all', 'Show all images (default hides intermediate images)')
    .option('-q, --quiet', 'Only show image IDs')
    .option('--digests', 'Show digests')
    .option('--no-trunc', "Don't truncate output")
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', repeatable, [])
    .option('--format <string>', 'Format output using a Go template ("json" for JSON)')
    .action(
      action(
        cli,
        async (
          client,
          ref: string | undefined,
          o: { all?: boolean; quiet?: boolean; digests?: boolean; trunc: boolean; filter: string[]; format?: string },
        ) => {
          const filters = parseFilters([...o.filter, ...(ref ? [`reference=${ref}`] : [])])
          const images = await client.call('image.list', { all: o.all, filters })
          const digests = o.digests === true || (o.format ?? '').includes('.Digest')
          const rows = images.flatMap((i) => rowsOf(i, !o.trunc, digests))
          const base = `table {{.Repository}}\t{{.Tag}}${o.digests ? '\t{{.Digest}}' : ''}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`
          // As Docker: one ID per row, so an image with two tags is listed twice.
          if (o.quiet) return cli.out(rows.map((r) => `${r.ID}\n`).join(''))
          cli.out(renderList({ rows, defaultFormat: base, headers: HEADERS, id: (r) => r.ID, format: o.format }))
        },
      ),
    )
}

/**
 * Docker's rows for an image: one per tag (per tag and digest of its repository with --digests);
 * a repository it has digests in but no tag gets `<none>` for TAG; no names at all, `<none>`s.
 */
function rowsOf(i: ImageSummary, noTrunc: boolean, digests: boolean) {
  const common = {
    ID: noTrunc ? i.id : shortId(i.id),
    CreatedAt: i.created,
    CreatedSince: humanAgo(i.created),
    Size: humanSize(i.size),
    Containers: 'N/A',
  }
  if (!i.repoTags.length && !i.repoDigests.length)
    return [{ Repository: '<none>', Tag: '<none>', Digest: '<none>', ...common }]
  const tags = byRepository(i.repoTags, ':')
  const byDigest = byRepository(i.repoDigests, '@')
  const rows = [...tags].flatMap(([repo, names]) => {
    const ds = digests ? (byDigest.get(repo) ?? []) : []
    byDigest.delete(repo)
    return names.flatMap((tag) =>
      ds.length
        ? ds.map((d) => ({ Repository: repo, Tag: tag, Digest: d }))
        : [{ Repository: repo, Tag: tag, Digest: '<none>' }],
    )
  })
  for (const [repo, ds] of byDigest)
    rows.push(...(digests ? ds : ['']).map((d) => ({ Repository: repo, Tag: '<none>', Digest: d })))
  return rows.map((r) => ({ ...r, ...common }))
}

/** `repo:tag` or `repo@digest` names grouped by repository, in order: repo → [tag or digest]. */
function byRepository(names: string[], sep: ':' | '@'): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const n of names) {
    const at = n.lastIndexOf(sep)
    const repo = n.slice(0, at)
    out.set(repo, [...(out.get(repo) ?? []), n.slice(at + 1)])
  }
  return out
}
