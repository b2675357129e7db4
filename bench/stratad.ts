/**
 * What the benchmarks share: a stratad on a scratch root, and a docker-archive made with GNU tar
 * from layer trees (independently of strata's own save).
 */
import { execFileSync, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { StrataClient } from '../client/client.js'

const STRATAD = fileURLToPath(new URL('../daemon/main.js', import.meta.url))

export interface BenchDaemon {
  c: StrataClient
  root: string
  stop(): Promise<void>
}

/** stratad with its root and socket in `dir` (named by `name`), extra flags in `args`. */
export async function startStratad(dir: string, name = 'strata', args: string[] = []): Promise<BenchDaemon> {
  const socket = join(dir, `${name}.sock`)
  const root = join(dir, `${name}-root`)
  const proc = spawn(process.execPath, [STRATAD, '--root', root, '--socket', socket, ...args], { stdio: 'ignore' })
  for (let i = 0; ; i++) {
    try {
      const c = await StrataClient.connect({ socket })
      const stop = async () => {
        c.close()
        proc.kill('SIGTERM')
        await new Promise((r) => proc.once('exit', r))
      }
      return { c, root, stop }
    } catch (err) {
      if (i > 200) throw err
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

/**
 * A docker-archive at `out` of the layer tars in `work` (names relative to it, bottom first),
 * tagged `tag`; returns the config's bytes.
 */
export function dockerArchive(work: string, tars: string[], tag: string, out: string): Buffer {
  const sha = (t: string) =>
    execFileSync('sha256sum', [join(work, t)])
      .toString()
      .split(' ')[0]
  const diffIds = tars.map((t) => `sha256:${sha(t)}`)
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } }),
  )
  writeFileSync(join(work, 'config.json'), config)
  writeFileSync(join(work, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: [tag], Layers: tars }]))
  execFileSync('tar', ['-C', work, '-cf', out, 'config.json', 'manifest.json', ...tars])
  return config
}
