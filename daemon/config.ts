/**
 * stratad's configuration: defaults, then the config file (JSON, optional), then the
 * environment, then flags; each later source wins. Unknown keys and bad values are errors that
 * name their source, so a typo never silently falls back to a default.
 */
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_MAX_FRAME_BYTES } from '../client/protocol.js'
import { isLogLevel, type LogLevel } from './log.js'

export interface Config {
  /** Data root: db/, layers/, containers/, mounts/, tmp/. */
  root: string
  /** Unix socket path (ignored under systemd socket activation). */
  socket: string
  /** Group whose members may use the socket, when it exists. */
  group: string
  /** Permission bits of the socket file; peers are checked with SO_PEERCRED whatever they are. */
  socketMode: number
  logLevel: LogLevel
  maxFrameBytes: number
  /** How long SIGTERM waits for calls in flight before cancelling them. */
  shutdownTimeoutMs: number
  /** Registries (host:port) reached over plain HTTP; loopback always is. */
  insecureRegistries: string[]
  /** Layers downloaded at once by one pull (Docker's max-concurrent-downloads). */
  maxConcurrentDownloads: number
}

export const DEFAULT_CONFIG_FILE = '/etc/strata/stratad.json'

export const DEFAULTS: Readonly<Config> = Object.freeze({
  root: '/var/lib/strata',
  socket: '/run/strata/strata.sock',
  group: 'strata',
  socketMode: 0o660,
  logLevel: 'info',
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  shutdownTimeoutMs: 10_000,
  insecureRegistries: [],
  maxConcurrentDownloads: 3,
})

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Raw = Partial<Record<keyof Config, unknown>>

const ENV: Record<string, keyof Config> = {
  STRATA_ROOT: 'root',
  STRATA_SOCKET: 'socket',
  STRATA_GROUP: 'group',
  STRATA_LOG_LEVEL: 'logLevel',
}

export const USAGE = `usage: stratad [--root DIR] [--socket PATH] [--group NAME] [--socket-mode OCTAL]
               [--log-level debug|info|warn|error] [--max-frame-bytes N]
               [--shutdown-timeout SECONDS] [--insecure-registry HOST[:PORT]]...
               [--max-concurrent-downloads N] [--config FILE]
environment: STRATA_ROOT, STRATA_SOCKET, STRATA_GROUP, STRATA_LOG_LEVEL, STRATA_CONFIG
config file (JSON, default ${DEFAULT_CONFIG_FILE} when present): the same keys in camelCase`

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config {
  const flags = parseFlags(argv)
  const file = flags.config ?? env.STRATA_CONFIG ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined)
  const merged: Raw = { ...DEFAULTS }
  if (file) Object.assign(merged, readConfigFile(file))
  for (const [name, key] of Object.entries(ENV)) if (env[name]) merged[key] = env[name]
  Object.assign(merged, flags.values)
  return validate(merged)
}

function parseFlags(argv: string[]): { values: Raw; config?: string } {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        root: { type: 'string' },
        socket: { type: 'string' },
        group: { type: 'string' },
        'socket-mode': { type: 'string' },
        'log-level': { type: 'string' },
        'max-frame-bytes': { type: 'string' },
        'shutdown-timeout': { type: 'string' },
        'insecure-registry': { type: 'string', multiple: true },
        'max-concurrent-downloads': { type: 'string' },
        config: { type: 'string' },
      },
    })
  } catch (err) {
    throw new ConfigError((err as Error).message)
  }
  const v = parsed.values
  const values: Raw = {}
  if (v.root !== undefined) values.root = v.root
  if (v.socket !== undefined) values.socket = v.socket
  if (v.group !== undefined) values.group = v.group
  if (v['socket-mode'] !== undefined) values.socketMode = v['socket-mode']
  if (v['log-level'] !== undefined) values.logLevel = v['log-level']
  if (v['max-frame-bytes'] !== undefined) values.maxFrameBytes = v['max-frame-bytes']
  if (v['shutdown-timeout'] !== undefined) values.shutdownTimeoutMs = Number(v['shutdown-timeout']) * 1000
  if (v['insecure-registry'] !== undefined) values.insecureRegistries = v['insecure-registry']
  if (v['max-concurrent-downloads'] !== undefined) values.maxConcurrentDownloads = v['max-concurrent-downloads']
  return { values, config: v.config }
}

function readConfigFile(file: string): Raw {
  let data: unknown
  try {
    data = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new ConfigError(`config file ${file}: ${(err as Error).message}`)
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new ConfigError(`config file ${file}: not a JSON object`)
  for (const key of Object.keys(data)) {
    if (!(key in DEFAULTS)) throw new ConfigError(`config file ${file}: unknown key "${key}"`)
  }
  return data as Raw
}

function validate(raw: Raw): Config {
  const path = (key: 'root' | 'socket'): string => {
    const v = raw[key]
    if (typeof v !== 'string' || !v) throw new ConfigError(`${key}: a path is required`)
    return isAbsolute(v) ? v : resolve(v)
  }
  const int = (key: keyof Config, v: unknown, radix = 10): number => {
    const n = typeof v === 'number' ? v : parseInt(String(v), radix)
    const digits = radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/
    if (!Number.isSafeInteger(n) || n < 0 || (typeof v === 'string' && !digits.test(v)))
      throw new ConfigError(`${key}: "${String(v)}" is not a non-negative integer`)
    return n
  }
  if (!isLogLevel(raw.logLevel))
    throw new ConfigError(`logLevel: "${String(raw.logLevel)}" is not one of debug, info, warn, error`)
  if (typeof raw.group !== 'string') throw new ConfigError('group: a name is required')
  const socketMode = int('socketMode', raw.socketMode, 8)
  if (socketMode > 0o777) throw new ConfigError(`socketMode: ${socketMode.toString(8)} is not a permission mode`)
  const shutdownTimeoutMs = raw.shutdownTimeoutMs
  if (typeof shutdownTimeoutMs !== 'number' || !(shutdownTimeoutMs >= 0))
    throw new ConfigError(`shutdownTimeout: "${String(shutdownTimeoutMs)}" is not a number of seconds`)
  const insecure = raw.insecureRegistries
  if (!Array.isArray(insecure) || !insecure.every((h) => typeof h === 'string' && /^[\w.-]+(:\d+)?$/.test(h)))
    throw new ConfigError('insecureRegistries: a list of host[:port] is required')
  const root = path('root')
  if (/[,:\\\n]/.test(root)) throw new ConfigError(`root: ${root}: paths with , : \\ or newlines are not supported`)
  return {
    root,
    socket: path('socket'),
    group: raw.group,
    socketMode,
    logLevel: raw.logLevel,
    maxFrameBytes: int('maxFrameBytes', raw.maxFrameBytes),
    shutdownTimeoutMs,
    insecureRegistries: insecure as string[],
    maxConcurrentDownloads: Math.max(1, int('maxConcurrentDownloads', raw.maxConcurrentDownloads)),
  }
}
