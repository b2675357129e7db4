/**
 * Results of bench/run, row by row and backend by backend, and their markdown table: the median of
 * each cell, then the ratios the issue tracks (each FUSE backend against kernel overlayfs, and
 * strata against fuse-overlayfs). A cell with no sample (the backend failed it) prints n/a.
 */
import { BACKENDS, type BackendName } from './backends.js'

export type Results = Map<string, Map<BackendName, number[]>>

export function record(results: Results, row: string, backend: BackendName, value: number): void {
  const cells = results.get(row) ?? new Map<BackendName, number[]>()
  if (Number.isFinite(value)) cells.set(backend, [...(cells.get(backend) ?? []), value])
  else if (!cells.has(backend)) cells.set(backend, [])
  results.set(row, cells)
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

const fmt = (x: number) =>
  !Number.isFinite(x) ? 'n/a' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3)
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : 'n/a')

const RATIOS: [BackendName, BackendName][] = [
  ['fuse-overlayfs', 'overlayfs'],
  ['strata', 'overlayfs'],
  ['strata-volatile', 'overlayfs'],
  ['strata', 'fuse-overlayfs'],
  ['strata-volatile', 'fuse-overlayfs'],
]

export function printTable(results: Results, unit: string): void {
  const short = (b: BackendName) => b.replace('strata-volatile', 'volatile').replace('fuse-overlayfs', 'fuse-ovl')
  const cols = [...BACKENDS, ...RATIOS.map(([a, b]) => `${short(a)}/${short(b)}`)]
  console.log(`\n| workload (${unit}) | ${cols.join(' | ')} |`)
  console.log(`|${'---|'.repeat(cols.length + 1)}`)
  for (const [name, row] of results) {
    const m = (b: BackendName) => median(row.get(b) ?? [])
    const cells = [...BACKENDS.map((b) => fmt(m(b))), ...RATIOS.map(([a, b]) => ratio(m(a), m(b)))]
    console.log(`| ${name} | ${cells.join(' | ')} |`)
  }
}
