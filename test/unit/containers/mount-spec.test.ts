import { mkdirSync, statSync } from 'node:fs'
import t from 'tap'
import { containerSpec, layerDirs, viewSpec } from '../../../daemon/containers/mount-spec.js'
import { containerPaths } from '../../../daemon/containers/paths.js'
import { parseChainId, type ChainId } from '../../../daemon/digests.js'
import type { LayerRecord } from '../../../daemon/store/layer-records.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const id = (c: string) => parseChainId(`sha256:${c.repeat(64)}`)
const [base, mid, top] = [id('a'), id('b'), id('c')]

/** A chain top first, as LayerStore.chain gives it; each layer's directory named for it. */
const layers = {
  chain: async (t: ChainId) =>
    (t === top ? [top, mid, base] : t === mid ? [mid, base] : [base]).map((chainId) => ({ chainId }) as LayerRecord),
  diffDir: (c: ChainId) => `/layers/${c.slice(7, 8)}/diff`,
}

t.test('lowerdirs are the layer directories, top first', async (t) => {
  t.same(await layerDirs(layers, top), ['/layers/c/diff', '/layers/b/diff', '/layers/a/diff'])
  t.same(await layerDirs(layers, null), [], 'no layer, no directories')
})

t.test('a container without layers gets one empty lower directory, made on demand', async (t) => {
  const paths = containerPaths(tmpdir(t))
  t.same((await containerSpec(layers, null, paths)).lowerdirs, [paths.empty])
  t.ok(statSync(paths.empty).isDirectory())
  t.same((await containerSpec(layers, mid, paths)).lowerdirs, ['/layers/b/diff', '/layers/a/diff'])
})

t.test('once a container has its init layer, the init layer is its top lower', async (t) => {
  const paths = containerPaths(tmpdir(t))
  mkdirSync(paths.init)
  t.same((await containerSpec(layers, mid, paths)).lowerdirs, [paths.init, '/layers/b/diff', '/layers/a/diff'])
  t.same((await containerSpec(layers, null, paths)).lowerdirs, [paths.init], 'no empty/ needed with it')
})

t.test("a container's spec is read-write over its upper/, with work/ and the journal", async (t) => {
  const paths = containerPaths('/root/containers/x')
  t.same(await containerSpec(layers, mid, paths), {
    lowerdirs: ['/layers/b/diff', '/layers/a/diff'],
    upperdir: '/root/containers/x/upper',
    workdir: '/root/containers/x/work',
    journal: '/root/containers/x/journal',
    readonly: false,
  })
})

t.test("an image's view is its layers, read-only", async (t) => {
  t.same(await viewSpec(layers, top), {
    lowerdirs: ['/layers/c/diff', '/layers/b/diff', '/layers/a/diff'],
    readonly: true,
  })
})
