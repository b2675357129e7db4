import t from 'tap'
import { scratchConfig, stepImage } from '../../../daemon/build/step-image.js'

t.test('the same step at the same time gives the same image ID', async (t) => {
  const at = '2026-01-01T00:00:00.000Z'
  const a = stepImage(null, scratchConfig(at), { config: { Cmd: ['sh'] }, createdBy: 'k', layer: undefined }, at)
  const b = stepImage(null, scratchConfig(at), { config: { Cmd: ['sh'] }, createdBy: 'k', layer: undefined }, at)
  t.equal(a.id, b.id)
  const c = stepImage(null, scratchConfig(at), { config: { Cmd: ['sh'] }, createdBy: 'k2', layer: undefined }, at)
  t.not(a.id, c.id, 'another key, another image')
  const m = stepImage(null, scratchConfig(at), { config: {}, createdBy: 'k', layer: undefined, author: 'ann' }, at)
  t.equal((JSON.parse(m.config.toString()) as { author?: string }).author, 'ann', 'MAINTAINER sets the author')
})
