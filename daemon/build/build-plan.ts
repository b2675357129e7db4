/**
 * A Dockerfile's stages: the ARGs before the first FROM (global, usable in FROM lines), then each
 * FROM with its steps, up to and including the `--target` stage (the stages after it are not
 * built), and the step count `Step N/M` shows (the classic builder counts the global ARGs too).
 * Pure.
 * Errors: DockerfileError (an instruction before the first FROM), INVALID_ARGUMENT (an unknown target).
 * Tests: test/unit/build/build-plan.test.ts
 */
import { invalidArgument } from '../errors.js'
import { DockerfileError, type Dockerfile, type Instruction } from './dockerfile-parser.js'
import { splitRaw } from './shell-words.js'

export interface StagePlan {
  from: Instruction
  /** `AS name`, as written. */
  name: string | undefined
  steps: Instruction[]
}

export interface BuildPlan {
  globalArgs: Instruction[]
  stages: StagePlan[]
  /** Instructions to run: global ARGs, FROMs and steps (a --label step not included). */
  total: number
}

export function planBuild(df: Dockerfile, target?: string): BuildPlan {
  const globalArgs: Instruction[] = []
  const stages: StagePlan[] = []
  for (const i of df.instructions) {
    if (i.keyword === 'FROM') {
      const words = splitRaw(i.args, df.escape)
      stages.push({ from: i, name: words[2], steps: [] })
    } else if (stages.length) (stages.at(-1) as StagePlan).steps.push(i)
    else if (i.keyword === 'ARG') globalArgs.push(i)
    else throw new DockerfileError(i.line, `${i.keyword} before the first FROM: no build stage in current context`)
  }
  if (!stages.length) throw new DockerfileError(1, 'the Dockerfile has no FROM')
  const kept = target === undefined ? stages : upTo(stages, target)
  const total = globalArgs.length + kept.reduce((n, s) => n + 1 + s.steps.length, 0)
  return { globalArgs, stages: kept, total }
}

function upTo(stages: StagePlan[], target: string): StagePlan[] {
  const at = stages.findIndex((s) => s.name?.toLowerCase() === target.toLowerCase())
  if (at < 0) throw invalidArgument(`failed to reach build target ${target} in Dockerfile`)
  return stages.slice(0, at + 1)
}
