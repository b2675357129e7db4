/**
 * RUN: the command runs in a container on the stage's image through the same runtime as `run`
 * (containers/runs.ts: runc, network none unless --network host), with the build args the stage
 * declared in its environment (an ENV of the same name wins, as Docker's); its output is said
 * line by line as it comes; a non-zero exit fails the build with Docker's words. Then only what it
 * changed becomes the step's layer (step-commit.ts) and the container goes, whatever happened
 * (a client that went away kills the process first).
 * Errors: INVALID_ARGUMENT for a non-zero exit or a RUN with no image to run in; UNAVAILABLE from the runtime.
 * Tests: test/integration/image-build.test.ts
 */
import { StringDecoder } from 'node:string_decoder'
import { invalidArgument } from '../errors.js'
import { openOutput } from '../containers/output-follow.js'
import { isRunning, type ExitInfo } from '../containers/runs.js'
import type { ImageRecord } from '../store/images.js'
import type { BuildParts, Say, Stage } from './build-parts.js'
import { recordStep, removeStepContainer, stepContainer } from './step-commit.js'

export interface RunStep {
  argv: string[]
  /** The stage's build args with values (for the environment). */
  buildArgs: ReadonlyMap<string, string>
  network: 'none' | 'host'
  createdBy: string
}

export async function runStep(
  p: BuildParts,
  stage: Stage,
  r: RunStep,
  say: Say,
  signal: AbortSignal,
): Promise<ImageRecord> {
  if (!stage.image) throw invalidArgument('RUN needs a base image with a shell: this stage is FROM scratch and empty')
  const c = await stepContainer(p, stage)
  say(` ---> Running in ${c.id.slice(0, 12)}`)
  try {
    const reader = openOutput(p.containers.pathsOf(c), 'end')
    let exited: Promise<ExitInfo> | undefined
    try {
      const env = [...r.buildArgs].filter(([k]) => !hasEnv(stage, k)).map(([k, v]) => `${k}=${v}`)
      const started = await p.metadata.add((lock) =>
        p.runs.start(lock, c, { cmd: r.argv, entrypoint: '', env, network: r.network }),
      )
      exited = p.runs.waitExit(started.id)
      await relay(reader.frames({ ended: exited, signal }), say)
    } finally {
      reader.close()
    }
    const exit = await (exited as Promise<ExitInfo>)
    if (exit.exitCode !== 0)
      throw invalidArgument(
        `The command '${r.argv.join(' ')}' returned a non-zero code: ${exit.exitCode}${exit.error ? ` (${exit.error})` : ''}`,
      )
    return await recordStep(
      p,
      stage,
      p.containers.pathsOf(c).upper,
      { config: stage.config.config, createdBy: r.createdBy },
      signal,
    )
  } finally {
    await stopIfRunning(p, c.id)
    await removeStepContainer(p, c.id)
    say(`Removing intermediate container ${c.id.slice(0, 12)}`)
  }
}

const hasEnv = (stage: Stage, name: string): boolean =>
  (stage.config.config.Env ?? []).some((e) => e.split('=', 1)[0] === name)

/** The multiplexed frames' payloads as lines (a partial last line is said at the end). */
async function relay(frames: AsyncIterable<Buffer>, say: Say): Promise<void> {
  const text = new StringDecoder('utf8')
  let carry = ''
  for await (const f of frames) {
    const lines = (carry + text.write(f.subarray(8))).split('\n')
    carry = lines.pop() ?? ''
    for (const l of lines) say(l)
  }
  carry += text.end()
  if (carry) say(carry)
}

async function stopIfRunning(p: BuildParts, id: string): Promise<void> {
  const c = await p.containers.resolve(id)
  if (isRunning(c)) await p.runs.stopProcess(c, 0)
}
