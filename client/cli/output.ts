/**
 * Printing results the way Docker's CLI does: lists as a table (default), as IDs (-q), or
 * through a --format template; single objects (info, version) through --format or a text layout.
 */
import { alignColumns } from './table.js'
import { parseTemplate } from './template.js'

export interface ListOutput<Row> {
  rows: Row[]
  /** The default layout, a `table …` template. */
  defaultFormat: string
  /** Header names for template fields, e.g. { ID: 'MOUNT ID' }. */
  headers: Record<string, string>
  /** What -q prints for a row. */
  id(row: Row): string
  format?: string
  quiet?: boolean
}

export function renderList<Row>(o: ListOutput<Row>): string {
  if (o.quiet) return lines(o.rows.map(o.id))
  const format = o.format === 'json' ? '{{json .}}' : o.format || o.defaultFormat
  const t = parseTemplate(format)
  const body = o.rows.map((r) => t.render(r))
  if (!t.isTable) return lines(body)
  return `${alignColumns([t.header(o.headers), ...body])}\n`
}

/** One object through --format (`json` meaning {{json .}}), or through `text` when none is given. */
export function renderObject(value: unknown, format: string | undefined, text: () => string): string {
  if (!format) return text()
  const t = parseTemplate(format === 'json' ? '{{json .}}' : format)
  return `${t.render(value)}\n`
}

const lines = (items: string[]): string => (items.length ? `${items.join('\n')}\n` : '')

/**
 * What `inspect` prints: the objects found as one JSON array (4-space indent, `[]` for none, as
 * Docker prints), or each through --format (`json` meaning {{json .}}).
 */
export function renderInspected(found: unknown[], format: string | undefined): string {
  if (!format) return `${JSON.stringify(found, null, 4)}\n`
  const t = parseTemplate(format === 'json' ? '{{json .}}' : format)
  return found.map((f) => `${t.render(f)}\n`).join('')
}
