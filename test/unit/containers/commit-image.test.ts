import t from 'tap'
import { commitConfig, commitRecord } from '../../../daemon/containers/commit-image.js'
import { parseChainId, parseDiffId, sha256 } from '../../../daemon/digests.js'
import { encodeConfig, parseConfig, type ImageConfig } from '../../../daemon/store/image-config.js'
import type { ImageRecord } from '../../../daemon/store/images.js'

const diffA = parseDiffId(`sha256:${'a'.repeat(64)}`)
const chainA = parseChainId(diffA)
const diffB = parseDiffId(`sha256:${'b'.repeat(64)}`)
const chainB = parseChainId(`sha256:${'c'.repeat(64)}`)

const base: ImageConfig = {
  architecture: 'amd64',
  os: 'linux',
  author: 'the base author',
  comment: 'the base comment',
  created: '2020-01-01T00:00:00.000Z',
  config: { Cmd: ['/bin/sh'] },
  history: [{ created: '2020-01-01T00:00:00.000Z', created_by: 'import' }],
  rootfs: { type: 'layers', diff_ids: [diffA] },
}
const bytes = encodeConfig(base)
const baseRecord: ImageRecord = {
  id: sha256(bytes),
  config: bytes,
  topLayer: chainA,
  size: 100,
  created: base.created,
  parent: null,
  digests: ['busybox@sha256:x'],
  addedAt: base.created,
}
const when = '2024-05-06T07:08:09.000Z'

t.test('a commit with changes adds its layer and a history entry with author and comment', async (t) => {
  const cfg = commitConfig(
    base,
    { Cmd: ['/bin/true'] },
    { container: 'web', author: 'me', comment: 'why' },
    { diffId: diffB },
    when,
  )
  t.same(cfg.rootfs.diff_ids, [diffA, diffB])
  t.same(cfg.history.at(-1), { created: when, created_by: 'strata commit web', author: 'me', comment: 'why' })
  t.match(cfg, { author: 'me', comment: 'why', created: when, config: { Cmd: ['/bin/true'] } })
  const r = commitRecord(baseRecord, cfg, { chainId: chainB, size: 20 })
  t.equal(r.id, sha256(r.config), 'its ID is the digest of its config')
  t.same(parseConfig(r.config), cfg, 'the config kept is the one made')
  t.match(r, { topLayer: chainB, size: 120, parent: baseRecord.id, created: when, digests: [] })
})

t.test('a commit without changes adds an empty_layer entry and keeps the top layer', async (t) => {
  const cfg = commitConfig(base, base.config, { container: 'web' }, undefined, when)
  t.same(cfg.rootfs.diff_ids, [diffA], 'no new diffID')
  t.same(cfg.history.at(-1), { created: when, created_by: 'strata commit web', empty_layer: true })
  t.notOk('author' in cfg, "the base's author is not carried over")
  t.notOk('comment' in cfg, 'nor its comment')
  const r = commitRecord(baseRecord, cfg, undefined)
  t.match(r, { topLayer: chainA, size: 100, parent: baseRecord.id })
})
