/**
 * One step of a stage: its cache key (step-cache.ts) from the instruction after substitution, the
 * cached image when there is one (unless --no-cache), else the step done (config-step.ts,
 * run-step.ts, copy-step.ts, workdir-step.ts for WORKDIR's directory; ADD's URLs downloaded first,
 * url-source.ts, so their content is in the key); the stage afterwards. ARG also records the value the stage sees.
 * Errors: those of the steps; DockerfileError for a bad word.
 * Tests: test/integration/image-build.test.ts
 */
import { join } from 'node:path'
import { invalidArgument, notFound } from '../errors.js'
import { parseConfig } from '../store/image-config.js'
import type { ImageRecord } from '../store/images.js'
import type { BuildContext, BuildOptions, BuildParts, Say, Stage } from './build-parts.js'
import { commandOf, configStep, shellOf } from './config-step.js'
import { checksumOf } from './copy-sources.js'
import { copyStep } from './copy-step.js'
import { DockerfileError, type Instruction } from './dockerfile-parser.js'
import { runStep } from './run-step.js'
import { expandWord, expandWords, WordError, type Vars } from './shell-words.js'
import { configKey, copyKey, findCached, runKey } from './step-cache.js'
import { stepImage } from './step-image.js'
import { isUrl, sourcesOf } from './url-source.js'
import { workdirStep } from './workdir-step.js'

export interface StepEnv {
  p: BuildParts
  o: BuildOptions
  ctx: BuildContext
  escape: string
  /** Stages built so far (for COPY --from). */
  built: Stage[]
  /** The global ARGs' values (an ARG without a default in a stage takes the global one). */
  globals: ReadonlyMap<string, string | undefined>
  say: Say
  signal: AbortSignal
}

export async function runInstruction(e: StepEnv, stage: Stage, i: Instruction): Promise<Stage> {
  try {
    return await step(e, stage, i)
  } catch (err) {
    if (err instanceof WordError) throw new DockerfileError(i.line, `${i.keyword}: ${err.message}`, { cause: err })
    throw err
  }
}

/** $VAR's values: the stage's ARGs that have one, then its ENV (ENV wins). */
export function varsOf(stage: Stage): Map<string, string> {
  const vars = new Map<string, string>()
  for (const [k, v] of stage.args) if (v !== undefined) vars.set(k, v)
  for (const kv of stage.config.config.Env ?? []) {
    const eq = kv.indexOf('=')
    if (eq > 0) vars.set(kv.slice(0, eq), kv.slice(eq + 1))
  }
  return vars
}

async function step(e: StepEnv, stage: Stage, i: Instruction): Promise<Stage> {
  const vars = varsOf(stage)
  if (i.keyword === 'RUN') return runInstr(e, stage, i)
  if (i.keyword === 'COPY' || i.keyword === 'ADD') return copyInstr(e, stage, i, vars)
  if (i.keyword === 'ARG') stage = { ...stage, args: withArgs(e, stage, i, vars) }
  const scope = { escape: e.escape, shell: shellOf(stage.config.config), vars: varsOf(stage) }
  const c = configStep(stage.config.config, i, scope)
  const key = configKey(c.text)
  const image = await cachedOr(e, stage, key, async () => {
    if (i.keyword === 'WORKDIR') return workdirStep(e.p, stage, e.ctx.scratch, c.config, key, e.signal)
    const made = stepImage(stage.image, stage.config, {
      config: c.config,
      createdBy: key,
      layer: undefined,
      ...(c.author ? { author: c.author } : {}),
    })
    await e.p.metadata.add((lock) => e.p.images.add(lock, made, []))
    return made
  })
  return next(stage, image)
}

function withArgs(e: StepEnv, stage: Stage, i: Instruction, vars: Vars): Map<string, string | undefined> {
  const args = new Map(stage.args)
  for (const { key, value } of i.pairs ?? []) {
    const given = e.o.buildArgs.get(key)
    args.set(key, given ?? (value !== undefined ? expandWord(value, vars, e.escape) : e.globals.get(key)))
  }
  return args
}

async function runInstr(e: StepEnv, stage: Stage, i: Instruction): Promise<Stage> {
  const argv = commandOf(i, shellOf(stage.config.config))
  const buildArgs = new Map([...stage.args].filter((kv): kv is [string, string] => kv[1] !== undefined))
  const network = (i.flags.network ?? e.o.network) as 'none' | 'host'
  if (network !== 'none' && network !== 'host')
    throw new DockerfileError(i.line, `RUN --network=${network}: strata runs with none or host`)
  const createdBy = runKey(argv, buildArgs, network)
  const image = await cachedOr(e, stage, createdBy, () =>
    runStep(e.p, stage, { argv, buildArgs, network, createdBy }, e.say, e.signal),
  )
  return next(stage, image)
}

async function copyInstr(e: StepEnv, stage: Stage, i: Instruction, vars: Vars): Promise<Stage> {
  const keyword = i.keyword as 'COPY' | 'ADD'
  const words = (i.exec ?? expandWords(i.args, vars, e.escape)).map((w) => (i.exec ? expandWord(w, vars, e.escape) : w))
  const dest = words.at(-1) as string
  const patterns = words.slice(0, -1)
  if (keyword === 'COPY' && patterns.some(isUrl))
    throw invalidArgument(`Dockerfile line ${i.line}: source can't be a URL for COPY (ADD downloads one)`)
  const chown = i.flags.chown === undefined ? undefined : expandWord(i.flags.chown, vars, e.escape)
  const chmod = i.flags.chmod
  const flags = [
    i.flags.from ? `--from=${i.flags.from}` : '',
    chown ? `--chown=${chown}` : '',
    chmod ? `--chmod=${chmod}` : '',
  ]
    .filter(Boolean)
    .join(' ')
  const source = await sourceRoot(e, i.flags.from)
  try {
    const { sources, remove } = await sourcesOf(source.root, patterns, e.ctx.scratch, e.signal, i.flags.checksum)
    try {
      const createdBy = copyKey(keyword, flags, checksumOf(sources), dest)
      const image = await cachedOr(e, stage, createdBy, () =>
        copyStep(e.p, stage, e.ctx, { keyword, sources, dest, chown, chmod, createdBy }, e.signal),
      )
      return next(stage, image)
    } finally {
      remove()
    }
  } finally {
    await source.release()
  }
}

/** The context, or with --from a built stage's (by name or index) or an image's root filesystem, mounted read-only. */
async function sourceRoot(e: StepEnv, from: string | undefined): Promise<{ root: string; release(): Promise<void> }> {
  if (from === undefined) return { root: e.ctx.dir, release: async () => undefined }
  const stage =
    e.built.find((s) => s.name?.toLowerCase() === from.toLowerCase()) ??
    (/^\d+$/.test(from) ? e.built[Number(from)] : undefined)
  const image = stage ? stage.image : await resolveOrPull(e, from)
  if (!image?.topLayer) return { root: join(e.ctx.scratch, 'empty'), release: async () => undefined } // nothing in it
  const root = await e.p.metadata.add((lock) => e.p.containers.mountView(lock, image))
  return {
    root,
    release: () => e.p.metadata.add((lock) => e.p.containers.unmountView(lock, image, false)).then(() => undefined),
  }
}

/**
 * The image `ref` names; one that is not here is pulled first, as Docker's classic builder does
 * (a reference only: an image ID, 64 hex digits or sha256:…, that is not here is NOT_FOUND).
 */
export async function resolveOrPull(e: StepEnv, ref: string): Promise<ImageRecord> {
  try {
    return (await e.p.images.resolve(ref)).image
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'NOT_FOUND')) throw err
    if (!e.p.pull || /^(sha256:[0-9a-f]*|[0-9a-f]{64})$/.test(ref))
      throw notFound(`No such image: ${ref}`, { cause: err })
    return e.p.pull(ref, e.say, e.signal)
  }
}

async function cachedOr(e: StepEnv, stage: Stage, key: string, make: () => Promise<ImageRecord>): Promise<ImageRecord> {
  if (!e.o.noCache) {
    const hit = findCached(await e.p.images.list(), stage.image, key)
    if (hit) {
      e.say(' ---> Using cache')
      return hit
    }
  }
  return make()
}

function next(stage: Stage, image: ImageRecord): Stage {
  return { ...stage, image, config: parseConfig(Buffer.from(image.config)) }
}
