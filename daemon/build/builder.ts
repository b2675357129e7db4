/**
 * `docker build` as the classic builder does it: the global ARGs, then each stage up to the
 * target, each instruction a step whose result is an image (intermediate images, children of the
 * previous step's), reused from the step cache when it can be; --label adds a LABEL step at the
 * end; a FROM image's ONBUILD triggers run right after its FROM (onbuild.ts). Output as the
 * classic builder prints it (`Step 2/5 : RUN make`, ` ---> Using cache`,
 * ` ---> Running in 3f2a…`, ` ---> 1b2c…`); the caller tags the result and says the last lines.
 *
 *   const image = await build(parts, parseDockerfile(text), ctx, opts, say, signal)
 *
 * Concurrency: each step takes the metadata queue for its own changes only (a build holds it for
 * no longer than a commit does); two builds may share steps through the cache.
 * Errors: DockerfileError / INVALID_ARGUMENT (the Dockerfile, a failed RUN), NOT_FOUND (a base
 *   image or source), UNAVAILABLE (the runtime).
 * Tests: test/integration/image-build.test.ts, test/integration/image-build-instructions.test.ts
 */
import { invalidArgument } from '../errors.js'
import { parseConfig } from '../store/image-config.js'
import type { ImageRecord } from '../store/images.js'
import type { BuildContext, BuildOptions, BuildParts, Say, Stage } from './build-parts.js'
import { planBuild, type StagePlan } from './build-plan.js'
import { DockerfileError, type Dockerfile, type Instruction } from './dockerfile-parser.js'
import { runTriggers } from './onbuild.js'
import { expandWord, splitRaw, WordError } from './shell-words.js'
import { resolveOrPull, runInstruction, type StepEnv } from './step-runner.js'
import { scratchConfig } from './step-image.js'

export async function build(
  p: BuildParts,
  df: Dockerfile,
  ctx: BuildContext,
  o: BuildOptions,
  say: Say,
  signal: AbortSignal,
): Promise<ImageRecord> {
  const plan = planBuild(df, o.target)
  const total = plan.total + (o.labels.size ? 1 : 0)
  let n = 0
  const announce = (i: Instruction) => say(`Step ${++n}/${total} : ${shown(i)}`)
  const globals = new Map<string, string | undefined>()
  const expand = (v: string) => expandWord(v, defined(globals), df.escape)
  for (const a of plan.globalArgs) {
    announce(a)
    for (const { key, value } of a.pairs ?? [])
      globals.set(key, o.buildArgs.get(key) ?? (value === undefined ? undefined : await inLine(a, () => expand(value))))
  }
  const e: StepEnv = { p, o, ctx, escape: df.escape, built: [], globals, say, signal }
  for (const [index, sp] of plan.stages.entries()) {
    announce(sp.from)
    let stage = await runTriggers(e, await inLine(sp.from, () => fromStage(e, sp)), sp.from)
    if (stage.image) say(` ---> ${short(stage.image)}`)
    const last = index === plan.stages.length - 1
    for (const i of last ? [...sp.steps, ...labelStep(o, sp, df.escape)] : sp.steps) {
      signal.throwIfAborted()
      announce(i)
      stage = await runInstruction(e, stage, i)
      say(` ---> ${short(stage.image as ImageRecord)}`)
    }
    e.built.push(stage)
  }
  const unused = [...o.buildArgs.keys()].filter((k) => !used(e, k))
  if (unused.length) say(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed`)
  const final = e.built.at(-1)?.image
  if (!final) throw invalidArgument('the build made no image: its last stage is an empty FROM scratch')
  return final
}

export const short = (i: ImageRecord): string => i.id.slice(7, 19)

const defined = (m: ReadonlyMap<string, string | undefined>): Map<string, string> =>
  new Map([...m].filter((kv): kv is [string, string] => kv[1] !== undefined))

/** The line as written, as Docker's classic builder echoes it (keyword case and flags kept); else rebuilt. */
function shown(i: Instruction): string {
  if (i.source !== undefined) return i.source
  const flags = Object.entries(i.flags).map(([k, v]) => `--${k}=${v} `)
  return `${i.keyword} ${flags.join('')}${i.args}`.trim()
}

async function fromStage(e: StepEnv, sp: StagePlan): Promise<Stage> {
  const words = splitRaw(sp.from.args, e.escape)
  const ref = expandWord(words[0] ?? '', defined(e.globals), e.escape)
  const fresh = { name: sp.name, args: new Map<string, string | undefined>() }
  if (ref.toLowerCase() === 'scratch') return { ...fresh, image: null, config: scratchConfig() }
  const earlier = e.built.find((s) => s.name !== undefined && s.name.toLowerCase() === ref.toLowerCase())
  if (earlier) return { ...fresh, image: earlier.image, config: earlier.config }
  if (!ref) throw invalidArgument(`Dockerfile line ${sp.from.line}: FROM names no image`)
  const image = await resolveOrPull(e, ref)
  return { ...fresh, image, config: parseConfig(Buffer.from(image.config)) }
}

/** --label as the classic builder adds it: one LABEL step after the last stage's instructions. */
function labelStep(o: BuildOptions, sp: StagePlan, escape: string): Instruction[] {
  if (!o.labels.size) return []
  // Single-quoted, so the values are taken as given: no $ expansion, no escapes.
  const quoted = (v: string) => `'${v.split("'").join(`'${escape}''`)}'`
  const pairs = [...o.labels].map(([key, value]) => ({ key: quoted(key), value: quoted(value) }))
  const args = pairs.map((x) => `${x.key}=${x.value}`).join(' ')
  return [{ keyword: 'LABEL', line: (sp.steps.at(-1) ?? sp.from).line, flags: {}, args, pairs }]
}

/** A bad word in a line the builder expands itself (global ARGs, FROM) is that line's error. */
async function inLine<T>(i: Instruction, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof WordError) throw new DockerfileError(i.line, `${i.keyword}: ${err.message}`, { cause: err })
    throw err
  }
}

/** A build arg counts as used when a global ARG or any stage declared it. */
function used(e: StepEnv, k: string): boolean {
  return e.globals.has(k) || e.built.some((s) => s.args.has(k))
}
