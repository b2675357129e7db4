/**
 * Filters shared by image.list and image.prune, with Docker's meanings: `label=K`, `label=K=V`,
 * `label!=K`, `label!=K=V`, and `until=` (an RFC 3339 time, Unix seconds, or a duration like
 * 10m or 24h before now).
 * Errors: INVALID_ARGUMENT for a value Docker would refuse.
 */
import { invalidArgument } from '../errors.js'

export function labelsMatch(labels: Record<string, string>, f: Record<string, string[]>): boolean {
  const has = (l: string) => {
    const [k, v] = l.split(/=(.*)/s) as [string, string | undefined]
    return k in labels && (v === undefined || labels[k] === v)
  }
  return (f.label ?? []).every(has) && !(f['label!'] ?? []).some(has)
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** The time an `until=` value names, as an ISO string comparable with `created`. */
export function untilCutoff(value: string, now = Date.now()): string {
  if (/^[0-9]+(\.[0-9]+)?$/.test(value)) return new Date(Number(value) * 1000).toISOString()
  const parts = [...value.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)]
  if (parts.length && parts.map((p) => p[0]).join('') === value) {
    const ms = parts.reduce((n, p) => n + Number(p[1]) * (UNITS[p[2] as string] as number), 0)
    return new Date(now - ms).toISOString()
  }
  const t = Date.parse(value)
  if (Number.isNaN(t)) throw invalidArgument(`invalid filter 'until=${value}': not a time or a duration`)
  return new Date(t).toISOString()
}
