/**
 * Docker's human units: sizes in decimal units with three significant digits ("7.8MB",
 * "123MB"), and durations as its CLI words them ("About an hour", "3 weeks").
 */
const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB']

export function humanSize(bytes: number): string {
  let v = bytes
  let i = 0
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000
    i++
  }
  return `${Number(v.toPrecision(3))}${UNITS[i]}`
}

export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000)
  if (s < 1) return 'Less than a second'
  if (s === 1) return '1 second'
  if (s < 60) return `${s} seconds`
  const min = Math.floor(s / 60)
  if (min === 1) return 'About a minute'
  if (min < 60) return `${min} minutes`
  const h = Math.round(s / 3600)
  if (h === 1) return 'About an hour'
  if (h < 48) return `${h} hours`
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`
  return `${Math.floor(h / 24 / 365)} years`
}

/**
 * "2 hours ago" for an ISO time, as Docker's CREATED column shows it; "N/A" when there is no time
 * (an OCI config may leave `created` out), as `docker history` shows one it has no date for.
 */
export function humanAgo(iso: string, now = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN
  return Number.isNaN(t) ? 'N/A' : `${humanDuration(now - t)} ago`
}

/** A 64-hex id shortened to Docker's 12 characters (unless --no-trunc). */
export const shortId = (id: string, noTrunc = false): string => (noTrunc ? id : id.replace(/^sha256:/, '').slice(0, 12))
