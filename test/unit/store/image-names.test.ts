/**
 * An image's names (tags and digests) in Docker's order, what `rmi NAME` drops with a name, and
 * Docker's single-reference rule.
 */
import t from 'tap'
import {
  digestOnly,
  dropsWith,
  isDigestOf,
  isSingleReference,
  namesOf,
  printed,
} from '../../../daemon/store/image-names.js'
import { parseReference } from '../../../daemon/reference.js'

const D1 = `sha256:${'1'.repeat(64)}`
const D2 = `sha256:${'2'.repeat(64)}`
const canon = (r: string) => `docker.io/library/${r}`

t.test('tags and digests in Docker order: by full name, a tag before its repository digests', async (t) => {
  const names = namesOf([canon('b:1'), canon('a:2')], [`b@${D1}`, `localhost:5000/a@${D2}`])
  t.same(names.map(printed), ['a:2', 'b:1', `b@${D1}`, `localhost:5000/a@${D2}`])
  t.same(
    names.map((n) => n.kind),
    ['tag', 'tag', 'digest', 'digest'],
  )
  t.equal(names[2]?.stored, `b@${D1}`, 'kept as stored, to remove it from the record')
})

t.test('a digest reference matches a stored digest whatever its form; a tag with it is ignored', async (t) => {
  t.ok(isDigestOf(`busybox@${D1}`, parseReference(`docker.io/library/busybox@${D1}`)))
  t.ok(isDigestOf(`busybox@${D1}`, parseReference(`busybox:1.36@${D1}`)))
  t.notOk(isDigestOf(`busybox@${D1}`, parseReference(`busybox@${D2}`)))
  t.notOk(isDigestOf(`busybox@${D1}`, parseReference(`other@${D1}`)), 'the repository counts')
  t.notOk(isDigestOf(`busybox@${D1}`, parseReference('busybox:latest')))
  t.same(digestOnly(parseReference(`busybox:1@${D1}`)), { domain: 'docker.io', path: 'library/busybox', digest: D1 })
})

t.test("rmi NAME: the name; a repository's last tag takes that repository's digests along", async (t) => {
  const names = namesOf([canon('app:1'), canon('app:2'), canon('other:1')], [`app@${D1}`, `other@${D2}`])
  const drop = (r: string) => dropsWith(parseReference(r), names).map(printed)
  t.same(drop('app:1'), ['app:1'], 'app:2 is left in the repository')
  t.same(drop('other:1'), ['other:1', `other@${D2}`])
  t.same(drop(`app@${D1}`), [`app@${D1}`], 'a digest goes alone')
  t.same(drop('nosuch:1'), [])
})

t.test('single reference: one repository, at most one tag', async (t) => {
  const single = (tags: string[], digests: string[]) => isSingleReference(namesOf(tags.map(canon), digests))
  t.equal(single([], []), false)
  t.equal(single(['a:1'], []), true)
  t.equal(single(['a:1'], [`a@${D1}`, `a@${D2}`]), true)
  t.equal(single([], [`a@${D1}`]), true)
  t.equal(single(['a:1', 'a:2'], []), false)
  t.equal(single(['a:1'], [`b@${D1}`]), false)
})
