import t from 'tap'
import { configKey, copyKey, findCached, runKey } from '../../../daemon/build/step-cache.js'
import { scratchConfig, stepImage } from '../../../daemon/build/step-image.js'

t.test('keys say what the step did, build args and checksums included', async (t) => {
  t.equal(configKey('ENV A=1'), '/bin/sh -c #(nop)  ENV A=1')
  t.equal(runKey(['/bin/sh', '-c', 'make'], new Map()), '/bin/sh -c make')
  t.equal(
    runKey(
      ['/bin/sh', '-c', 'make'],
      new Map([
        ['V', '2'],
        ['A', 'x'],
      ]),
    ),
    '|2 A=x V=2 /bin/sh -c make',
  )
  t.equal(runKey(['/bin/sh', '-c', 'make'], new Map(), 'none'), '/bin/sh -c make', 'the default network: Docker’s key')
  t.equal(runKey(['/bin/sh', '-c', 'make'], new Map(), 'host'), '--network=host /bin/sh -c make')
  t.equal(runKey(['make'], new Map([['V', '2']]), 'host'), '|1 V=2 --network=host make')
  t.equal(copyKey('COPY', '', 'file:ab', '/app/'), '/bin/sh -c #(nop) COPY file:ab in /app/ ')
  t.not(copyKey('COPY', '--chown=1:1', 'file:ab', '/a'), copyKey('COPY', '', 'file:ab', '/a'))
})

t.test('a step is found by its parent and its key only', async (t) => {
  const root = stepImage(null, scratchConfig(), { config: {}, createdBy: configKey('ENV A=1'), layer: undefined })
  const rootCfg = JSON.parse(root.config.toString()) as ReturnType<typeof scratchConfig>
  const child = stepImage(root, rootCfg, { config: {}, createdBy: runKey(['x'], new Map()), layer: undefined })
  const other = stepImage(root, rootCfg, { config: {}, createdBy: runKey(['y'], new Map()), layer: undefined })
  const images = [root, child, other]
  t.equal(findCached(images, null, configKey('ENV A=1'))?.id, root.id, 'scratch: a parentless image with one entry')
  t.equal(findCached(images, root, runKey(['x'], new Map()))?.id, child.id)
  t.equal(findCached(images, root, runKey(['y'], new Map()))?.id, other.id)
  t.equal(findCached(images, root, runKey(['z'], new Map())), undefined, 'another instruction: a miss')
  t.equal(findCached(images, child, runKey(['x'], new Map())), undefined, 'another parent: a miss')
  t.equal(findCached(images, null, runKey(['x'], new Map())), undefined)
  t.equal(findCached(images, root, runKey(['x'], new Map(), 'host')), undefined, 'another network: a miss')
})

t.test('a step image: one history entry more, empty_layer without a layer, the layer on top with one', async (t) => {
  const base = stepImage(null, scratchConfig(), { config: { Env: ['A=1'] }, createdBy: 'k', layer: undefined })
  t.equal(base.topLayer, null)
  t.equal(base.parent, null)
  const cfg = JSON.parse(base.config.toString()) as ReturnType<typeof scratchConfig>
  t.same(
    cfg.history.map((h) => h.empty_layer),
    [true],
  )
  const layer = { diffId: 'sha256:d' as never, chainId: 'sha256:c' as never, size: 10 }
  const next = stepImage(base, cfg, { config: cfg.config, createdBy: 'k2', layer })
  const nextCfg = JSON.parse(next.config.toString()) as ReturnType<typeof scratchConfig>
  t.same(nextCfg.rootfs.diff_ids, ['sha256:d'])
  t.equal(next.topLayer, 'sha256:c')
  t.equal(next.parent, base.id)
  t.equal(next.size, 10)
  t.same(nextCfg.config, { Env: ['A=1'] })
})
