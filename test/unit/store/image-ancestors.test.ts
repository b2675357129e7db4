/**
 * Which local image ends at each history row: the image itself on the newest row, a committed
 * image's parent on its own newest row, images matched by their layer chain, `<missing>` (none)
 * elsewhere; the parent chain wins a tie.
 */
import t from 'tap'
import { historyOwners, type HistoryImage } from '../../../daemon/store/image-ancestors.js'

const d = (n: number) => `sha256:${String(n).repeat(64)}`
const entry = (by: string, empty = false) => ({
  created: '2026-01-01T00:00:00Z',
  created_by: by,
  ...(empty ? { empty_layer: true } : {}),
})

function image(id: string, parent: string | null, history: ReturnType<typeof entry>[]): HistoryImage {
  const diffIds = history.filter((h) => !h.empty_layer).map((_, i) => d(i + 1))
  return { id, parent, config: { history, rootfs: { type: 'layers', diff_ids: diffIds } } }
}

const BASE = [entry('ADD rootfs'), entry('CMD sh', true)]
const base = image('base', null, BASE)
const child = image('child', 'base', [...BASE, entry('strata commit c')])
const grandchild = image('grand', 'child', [...BASE, entry('strata commit c'), entry('strata commit d', true)])

t.test('the image and its parent chain end at their own newest rows; older rows are missing', async (t) => {
  t.same(historyOwners(grandchild, [base, child, grandchild]), [undefined, 'base', 'child', 'grand'])
  t.same(historyOwners(child, [child]), [undefined, undefined, 'child'], 'no local parent: missing')
  t.same(historyOwners(base, [base]), [undefined, 'base'])
})

t.test('an image with no recorded parent is matched by its layer chain and history', async (t) => {
  const pulled = image('pulled', null, [...BASE, entry('RUN make')])
  t.same(historyOwners(pulled, [base, pulled]), [undefined, 'base', 'pulled'])
  const other = image('other', null, [entry('ADD rootfs'), entry('CMD bash', true)])
  t.same(historyOwners(pulled, [other, pulled]), [undefined, undefined, 'pulled'], 'another history does not match')
  const otherLayer = {
    ...base,
    id: 'otherlayer',
    config: { ...base.config, rootfs: { type: 'layers' as const, diff_ids: [d(9)] } },
  }
  t.same(historyOwners(pulled, [otherLayer, pulled]), [undefined, undefined, 'pulled'], 'nor another layer')
})

t.test('two images ending at one row: the parent chain wins, then the lower ID', async (t) => {
  const twin = { ...base, id: 'aaa-twin' }
  t.same(historyOwners(child, [twin, base, child]), [undefined, 'base', 'child'])
  const orphan = { ...child, parent: null }
  t.same(historyOwners(orphan, [base, twin, orphan]), [undefined, 'aaa-twin', 'child'])
})

t.test('an image without history has no rows', async (t) => {
  t.same(historyOwners(image('empty', null, []), []), [])
})
