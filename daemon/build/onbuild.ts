/**
 * ONBUILD triggers, run as Docker's classic builder runs them: when a stage's FROM image (or the
 * earlier stage it names) has OnBuild in its config, those instructions run right after FROM, in
 * the order recorded, before the stage's own next step. Each is an ordinary step (step-runner.ts),
 * so the step cache applies to it as to any other (a trigger's COPY by the checksum of its
 * sources). The stage's config loses OnBuild first: triggers are not inherited further, and the
 * stage's images carry only the ONBUILDs the stage itself sets.
 * Output, as Docker prints it: `# Executing 2 build triggers`, then each trigger's step lines.
 * Errors: DockerfileError at the FROM line for a recorded trigger that is no instruction ONBUILD
 *   may hold (an image made elsewhere can carry anything); those of the steps.
 * Tests: test/integration/image-build-onbuild.test.ts, test/unit/build/dockerfile-parser.test.ts
 */
import type { Stage } from './build-parts.js'
import { parseTrigger, type Instruction } from './dockerfile-parser.js'
import { runInstruction, type StepEnv } from './step-runner.js'

/** The stage after its FROM image's triggers ran (the stage as it is when there are none). */
export async function runTriggers(e: StepEnv, stage: Stage, from: Instruction): Promise<Stage> {
  const triggers = stage.config.config.OnBuild ?? []
  if (!triggers.length) return stage
  // Docker reads a recorded trigger with the default escape character, whatever the parent's Dockerfile used.
  const parsed = triggers.map((text) => parseTrigger(text, from.line, '\\'))
  e.say(`# Executing ${parsed.length} build trigger${parsed.length > 1 ? 's' : ''}`)
  let current = withoutTriggers(stage)
  for (const i of parsed) {
    e.signal.throwIfAborted()
    current = await runInstruction(e, current, i)
  }
  return current
}

/** The stage with OnBuild gone from its container config. */
function withoutTriggers(stage: Stage): Stage {
  const { OnBuild: _dropped, ...config } = stage.config.config
  return { ...stage, config: { ...stage.config, config } }
}
