/**
 * The steps that change only the image config: ENV, LABEL, CMD, ENTRYPOINT, WORKDIR, USER,
 * EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, ONBUILD, MAINTAINER, SHELL and ARG, as Docker applies
 * them: variables expanded where Docker expands them (not in CMD, ENTRYPOINT, HEALTHCHECK or
 * ONBUILD), shell form run by the stage's SHELL, WORKDIR relative to the one before. Each gives the
 * new config and the instruction as the cache key and history show it. SHELL is kept in the config
 * (`Shell`, as Docker keeps it), so a later stage or build FROM the image inherits it.
 * Pure: no I/O.
 * Errors: DockerfileError (INVALID_ARGUMENT with the line) for a bad word or value.
 * Tests: test/unit/build/config-step.test.ts, test/integration/image-build-instructions.test.ts
 */
import { posix } from 'node:path'
import { applyChanges } from '../store/dockerfile-change.js'
import type { ContainerConfig } from '../store/image-config.js'
import { DockerfileError, type Instruction } from './dockerfile-parser.js'
import { expandWord, expandWords, WordError, type Vars } from './shell-words.js'

export interface StepScope {
  escape: string
  /** SHELL: what runs shell-form RUN, CMD and ENTRYPOINT. */
  shell: string[]
  /** What $VAR reads: the stage's ARGs with values, then its ENV (ENV wins). */
  vars: Vars
}

export interface ConfigStep {
  config: ContainerConfig
  /** The instruction as history shows it (`ENV A=1`). */
  text: string
  author?: string
}

export const DEFAULT_SHELL = ['/bin/sh', '-c']

/** The shell an image's config sets (an empty one counts as none, as in Docker), else the default. */
export const shellOf = (c: ContainerConfig): string[] => (c.Shell?.length ? c.Shell : DEFAULT_SHELL)

export function configStep(c: ContainerConfig, i: Instruction, s: StepScope): ConfigStep {
  try {
    return apply(structuredClone(c), i, s)
  } catch (err) {
    if (err instanceof WordError) throw new DockerfileError(i.line, `${i.keyword}: ${err.message}`, { cause: err })
    if (err instanceof DockerfileError) throw err
    if (err instanceof Error && 'code' in err && err.code === 'INVALID_ARGUMENT')
      throw new DockerfileError(i.line, err.message, { cause: err })
    throw err
  }
}

/** Shell form under the shell, exec form as is. */
export const commandOf = (i: Instruction, shell: string[]): string[] => i.exec ?? [...shell, i.args]

function apply(c: ContainerConfig, i: Instruction, s: StepScope): ConfigStep {
  const word = (t: string) => expandWord(t, s.vars, s.escape)
  const words = (t: string) => expandWords(t, s.vars, s.escape)
  switch (i.keyword) {
    case 'ENV': {
      const pairs = (i.pairs ?? []).map((p) => [p.key, word(p.value ?? '')] as const)
      const env = [...(c.Env ?? [])]
      for (const [k, v] of pairs) {
        const at = env.findIndex((e) => e.split('=', 1)[0] === k)
        if (at >= 0) env[at] = `${k}=${v}`
        else env.push(`${k}=${v}`)
      }
      return { config: { ...c, Env: env }, text: `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` }
    }
    case 'LABEL': {
      const pairs = (i.pairs ?? []).map((p) => [word(p.key), word(p.value ?? '')] as const)
      return {
        config: { ...c, Labels: { ...c.Labels, ...Object.fromEntries(pairs) } },
        text: `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`,
      }
    }
    case 'CMD':
    case 'ENTRYPOINT': {
      const cmd = commandOf(i, s.shell)
      const key = i.keyword === 'CMD' ? 'Cmd' : 'Entrypoint'
      return { config: { ...c, [key]: cmd }, text: `${i.keyword} ${JSON.stringify(cmd)}` }
    }
    case 'WORKDIR': {
      const dir = posix.resolve(c.WorkingDir || '/', word(i.args))
      return { config: { ...c, WorkingDir: dir }, text: `WORKDIR ${dir}` }
    }
    case 'USER':
      return { config: { ...c, User: word(i.args) }, text: `USER ${word(i.args)}` }
    case 'EXPOSE': {
      const ports = words(i.args).map((p) => (p.includes('/') ? p : `${p}/tcp`))
      for (const p of ports)
        if (!/^\d+(-\d+)?\/(tcp|udp|sctp)$/.test(p)) throw new DockerfileError(i.line, `invalid port ${p}`)
      const exposed = { ...c.ExposedPorts, ...Object.fromEntries(ports.map((p) => [p, {}])) }
      return { config: { ...c, ExposedPorts: exposed }, text: `EXPOSE ${ports.join(' ')}` }
    }
    case 'VOLUME': {
      const vols = (i.exec ?? words(i.args)).map((v) => word(v))
      if (vols.some((v) => !v)) throw new DockerfileError(i.line, 'VOLUME specified can not be an empty string')
      const volumes = { ...c.Volumes, ...Object.fromEntries(vols.map((v) => [v, {}])) }
      return { config: { ...c, Volumes: volumes }, text: `VOLUME ${JSON.stringify(vols)}` }
    }
    case 'STOPSIGNAL':
      return { config: { ...c, StopSignal: word(i.args) }, text: `STOPSIGNAL ${word(i.args)}` }
    case 'HEALTHCHECK': {
      const flags = Object.entries(i.flags).map(([k, v]) => `--${k}=${v} `)
      const text = `HEALTHCHECK ${flags.join('')}${i.args || 'NONE'}`
      return { config: applyChanges(c, [text]), text }
    }
    case 'ONBUILD':
      return { config: { ...c, OnBuild: [...(c.OnBuild ?? []), i.args] }, text: `ONBUILD ${i.args}` }
    case 'MAINTAINER':
      return { config: c, text: `MAINTAINER ${i.args}`, author: i.args }
    case 'SHELL': {
      // Docker's words for it (`SHELL [/bin/bash -c]`); a key of its own also keeps this step from
      // reusing a SHELL image cached before the shell was kept in the config.
      const shell = i.exec ?? DEFAULT_SHELL
      return { config: { ...c, Shell: shell }, text: `SHELL [${shell.join(' ')}]` }
    }
    case 'ARG':
      return { config: c, text: `ARG ${(i.pairs ?? []).map((p) => p.key).join(' ')}` }
    default:
      throw new TypeError(`${i.keyword} is not a config step`)
  }
}
