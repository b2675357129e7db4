/**
 * image.build: `docker build` (build/builder.ts). The Dockerfile is checked before the context is
 * read; the context is spooled to tmp/ as it arrives (build/context-spool.ts) and removed after;
 * the steps take the metadata queue one change at a time; the tags move to the result at the end
 * (an image they named before is left dangling, as Docker's). Output lines are progress events.
 * A FROM or COPY --from naming an image that is not here pulls it (api/pull-record.ts), with the
 * caller's login for its registry when the call brought one.
 * Tests: test/integration/image-build.test.ts, test/integration/image-build-pull.test.ts,
 *   test/integration/image-build-credentials.test.ts
 */
import type { ProgressEvent, RegistryAuth } from '../../client/protocol.js'
import type { PullImage } from '../build/build-parts.js'
import { build, short } from '../build/builder.js'
import { spoolContext } from '../build/context-spool.js'
import { parseDockerfile } from '../build/dockerfile-parser.js'
import { invalidArgument } from '../errors.js'
import { familiar, parseReference, withDefaultTag } from '../reference.js'
import type { ApiMethod } from './params.js'
import { platformOf, pullAndRecord } from './pull-record.js'
import type { Services } from './services.js'

export const imageBuild = (s: Services): ApiMethod<'image.build'> => ({
  upload: true,
  handler: async (p, ctx) => {
    const tags = (p.tags ?? []).map((t) => withDefaultTag(parseReference(t)))
    const network = p.network || 'none'
    if (network !== 'none' && network !== 'host')
      throw invalidArgument(`network ${network} not found: strata build runs with --network none or host`)
    const opts = {
      buildArgs: pairs(p.buildArgs ?? [], '--build-arg', true),
      labels: pairs(p.labels ?? [], '--label', false),
      target: p.target || undefined,
      noCache: p.noCache === true,
      network: network as 'none' | 'host',
    }
    const df = parseDockerfile(p.dockerfile)
    const say = (status: string) => ctx.progress({ status })
    const context = await spoolContext(s.config.root, ctx.upload(), s.log)
    try {
      const image = await build({ ...s, pull: basePuller(s, p.auths ?? {}) }, df, context, opts, say, ctx.signal)
      await s.metadata.add(async (lock) => {
        for (const t of tags) await s.images.tag(lock, image.id, t)
      })
      say(`Successfully built ${short(image)}`)
      for (const t of tags) say(`Successfully tagged ${familiar(t)}`)
      return { id: image.id }
    } finally {
      context.remove()
    }
  },
})

/**
 * Pulls a base image that is not here, with this host's platform and the caller's login for its
 * registry when the call brought one (`auths`, by registry host; used for this build only, kept
 * nowhere). The layers' lines are said as `docker pull` prints
 * them without a terminal (their states, not the byte counts), then Digest and Status.
 */
function basePuller(s: Services, auths: Record<string, RegistryAuth>): PullImage {
  return async (text, say, signal) => {
    const ref = withDefaultTag(parseReference(text))
    const credentials = Object.hasOwn(auths, ref.domain) ? auths[ref.domain] : undefined
    const progress = (e: ProgressEvent) => {
      if (e.id === undefined) say(e.status)
      else if (e.current === undefined) say(`${e.id}: ${e.status}`) // not the moving byte counts
    }
    const pulled = await pullAndRecord(s, ref, { platform: platformOf(undefined), credentials, signal, progress })
    return (await s.images.resolve(pulled.image.id)).image
  }
}

/** K=V options; a K without a value is dropped for build args (Docker: unset in the client's environment). */
function pairs(list: string[], flag: string, dropBare: boolean): Map<string, string> {
  const out = new Map<string, string>()
  for (const kv of list) {
    const eq = kv.indexOf('=')
    if (eq === 0) throw invalidArgument(`${flag} ${kv}: the name is empty`)
    if (eq < 0 && dropBare) continue
    out.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? '' : kv.slice(eq + 1))
  }
  return out
}
