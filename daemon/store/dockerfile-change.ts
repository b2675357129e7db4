/**
 * `--change` for import and commit: the Dockerfile instructions that only touch the image config
 * (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR, STOPSIGNAL, HEALTHCHECK),
 * in exec (JSON array) or shell form, applied as Docker applies them.
 */
import { invalidArgument } from '../errors.js'
import type { ContainerConfig } from './image-config.js'

const ALLOWED = [
  'CMD',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'LABEL',
  'ONBUILD',
  'USER',
  'VOLUME',
  'WORKDIR',
  'STOPSIGNAL',
  'HEALTHCHECK',
]

export function applyChanges(base: ContainerConfig, changes: string[]): ContainerConfig {
  let c: ContainerConfig = structuredClone(base)
  for (const line of changes) c = applyChange(c, line.trim())
  return c
}

function applyChange(c: ContainerConfig, line: string): ContainerConfig {
  const m = /^(\S+)\s*(.*)$/s.exec(line)
  const op = m?.[1]?.toUpperCase() ?? ''
  const arg = (m?.[2] ?? '').trim()
  if (!ALLOWED.includes(op))
    throw invalidArgument(`${op || line} is not a valid change command (allowed: ${ALLOWED.join(', ')})`)
  switch (op) {
    case 'CMD':
      return { ...c, Cmd: command(arg) }
    case 'ENTRYPOINT':
      return { ...c, Entrypoint: command(arg) }
    case 'ENV':
      return { ...c, Env: mergeEnv(c.Env ?? [], pairs(arg, 'ENV')) }
    case 'LABEL':
      return { ...c, Labels: { ...c.Labels, ...Object.fromEntries(pairs(arg, 'LABEL')) } }
    case 'EXPOSE':
      return {
        ...c,
        ExposedPorts: {
          ...c.ExposedPorts,
          ...Object.fromEntries(words(arg).map((p) => [p.includes('/') ? p : `${p}/tcp`, {}])),
        },
      }
    case 'VOLUME':
      return { ...c, Volumes: { ...c.Volumes, ...Object.fromEntries(list(arg).map((v) => [v, {}])) } }
    case 'USER':
      return { ...c, User: arg }
    case 'WORKDIR':
      return {
        ...c,
        WorkingDir: arg.startsWith('/')
          ? arg
          : `${c.WorkingDir ?? '/'}${(c.WorkingDir ?? '/').endsWith('/') ? '' : '/'}${arg}`,
      }
    case 'STOPSIGNAL':
      return { ...c, StopSignal: arg }
    case 'ONBUILD':
      return { ...c, OnBuild: [...(c.OnBuild ?? []), arg] }
    default:
      return { ...c, Healthcheck: healthcheck(arg) }
  }
}

/** Exec form (a JSON array of strings) as is; anything else is shell form under /bin/sh -c, as Docker reads it. */
function command(arg: string): string[] {
  return execForm(arg) ?? ['/bin/sh', '-c', arg]
}

function execForm(arg: string): string[] | undefined {
  if (!arg.startsWith('[')) return undefined
  try {
    const v = JSON.parse(arg) as unknown
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined
  } catch (err) {
    if (err instanceof SyntaxError) return undefined // not JSON: shell form
    throw err
  }
}

function list(arg: string): string[] {
  return execForm(arg) ?? words(arg)
}

const words = (arg: string): string[] => arg.split(/\s+/).filter(Boolean)

/** `K=V K2="V 2"` or the legacy `K V with spaces`. */
function pairs(arg: string, op: string): Array<[string, string]> {
  if (!arg.includes('=') || (/^\S+\s/.test(arg) && !/^\S+=/.test(arg))) {
    const [k, ...v] = words(arg)
    if (!k) throw invalidArgument(`${op} needs a name`)
    return [[k, v.join(' ')]]
  }
  const out: Array<[string, string]> = []
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g
  for (const m of arg.matchAll(re)) {
    const raw = m[2] as string
    out.push([m[1] as string, raw.startsWith('"') ? (JSON.parse(raw) as string) : raw])
  }
  return out
}

function mergeEnv(env: string[], add: Array<[string, string]>): string[] {
  const out = [...env]
  for (const [k, v] of add) {
    const i = out.findIndex((e) => e.split('=')[0] === k)
    if (i >= 0) out[i] = `${k}=${v}`
    else out.push(`${k}=${v}`)
  }
  return out
}

function healthcheck(arg: string): ContainerConfig['Healthcheck'] {
  if (arg.toUpperCase() === 'NONE') return { Test: ['NONE'] }
  const m = /^((?:--\S+\s+)*)CMD\s+(.*)$/is.exec(arg)
  if (!m) throw invalidArgument(`HEALTHCHECK must be NONE or [OPTIONS] CMD command: ${arg}`)
  const cmd = (m[2] as string).trim()
  const exec = execForm(cmd)
  const test = exec ? ['CMD', ...exec] : ['CMD-SHELL', cmd]
  const hc: NonNullable<ContainerConfig['Healthcheck']> = { Test: test }
  for (const [, k, v] of (m[1] ?? '').matchAll(/--(\S+?)=(\S+)/g)) {
    if (k === 'retries') hc.Retries = Number(v)
    else if (k === 'interval' || k === 'timeout' || k === 'start-period') {
      const ns = durationNs(v as string)
      if (k === 'interval') hc.Interval = ns
      else if (k === 'timeout') hc.Timeout = ns
      else hc.StartPeriod = ns
    } else throw invalidArgument(`unknown HEALTHCHECK option --${k}`)
  }
  return hc
}

function durationNs(v: string): number {
  const m = /^([0-9.]+)(ns|us|ms|s|m|h)$/.exec(v)
  if (!m) throw invalidArgument(`bad duration ${v}`)
  const unit = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] as 'ns']
  return Math.round(Number(m[1]) * unit)
}
