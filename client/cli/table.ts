/**
 * Aligned columns as Docker prints them (Go's tabwriter with minwidth 10, padding 3): each
 * tab-separated cell but the last in a row is padded to its column's width.
 */
const MIN_WIDTH = 10
const PADDING = 3

export function alignColumns(lines: string[]): string {
  const rows = lines.map((l) => l.split('\t'))
  const widths: number[] = []
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(MIN_WIDTH, width(cell) + PADDING))
    })
  }
  return rows
    .map((row) =>
      row.map((cell, i) => (i < row.length - 1 ? cell + ' '.repeat((widths[i] ?? 0) - width(cell)) : cell)).join(''),
    )
    .map((line) => line.trimEnd())
    .join('\n')
}

const width = (s: string): number => [...s].length
