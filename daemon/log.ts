/**
 * Structured logs: one JSON object per line on stderr (journald keeps them as they are), with a
 * time, a level, the component, a message and fields. Errors in fields are flattened to message +
 * code. The one Logger and line format of stratad and of the mount worker (its FUSE engine too).
 * Tests: test/unit/daemon/log.test.ts
 */
export const LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LEVELS)[number]
export type LogFields = Record<string, unknown>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  child(component: string): Logger
}

export const isLogLevel = (v: unknown): v is LogLevel => LEVELS.includes(v as LogLevel)

export function createLogger(
  level: LogLevel,
  component = 'stratad',
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const min = LEVELS.indexOf(level)
  const emit =
    (l: LogLevel) =>
    (msg: string, fields: LogFields = {}) => {
      if (LEVELS.indexOf(l) < min) return
      const record = { time: new Date().toISOString(), level: l, component, msg, ...flatten(fields) }
      write(`${JSON.stringify(record)}\n`)
    }
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (c) => createLogger(level, `${component}/${c}`, write),
  }
}

function flatten(fields: LogFields): LogFields {
  const out: LogFields = {}
  for (const [k, v] of Object.entries(fields)) {
    if (v instanceof Error) {
      const code = (v as { code?: unknown }).code
      out[k] = code === undefined ? v.message : { message: v.message, code }
    } else out[k] = v
  }
  return out
}
