/**
 * diff's changes below opaque directories (issue 14 item 5): an upper/ written as fixtures, and
 * the same sequences run on the engine with a change journal, each answered by a walk of upper/
 * and by the journal. Expected: the image's tree against the container's, so an entry made again
 * in a directory that was removed is C (or nothing, when it came back as it was), never A, and
 * what the directory no longer holds is D.
 */
import { join } from 'node:path'
import t from 'tap'
import { changesOf } from '../../../daemon/diff/changes.js'
import { JournalWriter, readJournal } from '../../../daemon/diff/journal.js'
import { Overlay } from '../../../daemon/overlay/overlay.js'
import { buildLayer, buildStack, dir, file, opaque, whiteout, type Entry } from '../../helpers/fixtures.js'
import { tmpdir } from '../../helpers/tmpdir.js'
import { runOnEngine, type Op } from '../../suites/ops.js'

const IMAGE: Entry[] = [
  file('opt/app/VERSION', 'version=2\n'),
  file('opt/app/bin/app2', 'binary'),
  file('opt/app/lib/libapp.so', 'library'),
  file('opt/app/etc/conf', 'conf'),
  file('opt/keep', 'kept'),
]

const lines = (changes: { kind: string; path: string }[]) => changes.map((c) => `${c.kind} ${c.path}`)

/** changesOf for an upper/ written as fixtures over IMAGE. */
function changesOfFixture(upper: Entry[]): string[] {
  const dirs = buildStack(join(tmpdir(t, 'strata-changes-'), 's'), [IMAGE])
  buildLayer(dirs.upper, upper)
  return lines(changesOf(dirs.upper, dirs.lowers))
}

t.test('an opaque directory over a lower one: entries made again are compared with the lower ones', async (t) => {
  // What kernel overlayfs leaves after rm -rf /opt/app && mkdir -p /opt/app/bin && echo version=3 > /opt/app/VERSION
  // (a fixture's times are all the same: the new content differs in size)
  t.same(changesOfFixture([opaque('opt/app'), file('opt/app/VERSION', 'version=3.1\n'), dir('opt/app/bin')]), [
    'C /opt',
    'C /opt/app',
    'C /opt/app/VERSION',
    'C /opt/app/bin',
    'D /opt/app/bin/app2',
    'D /opt/app/etc',
    'D /opt/app/lib',
  ])
})

t.test('an entry that came back as it was is no change; a deleted lower directory is one D', async (t) => {
  t.same(changesOfFixture([opaque('opt/app'), file('opt/app/VERSION', 'version=2\n')]), [
    'C /opt',
    'C /opt/app',
    'D /opt/app/bin',
    'D /opt/app/etc',
    'D /opt/app/lib',
  ])
})

t.test('below a replaced directory: new entries A, other types C, whiteouts D, nested opaque the same', async (t) => {
  t.same(
    changesOfFixture([
      opaque('opt/app'),
      dir('opt/app/bin'),
      file('opt/app/bin/new', 'n'), // nothing was there
      dir('opt/app/VERSION'), // a file before
      file('opt/app/VERSION/inside', 'i'), // below something that was not a directory
      whiteout('opt/app/lib'), // left by an engine that whites out in any case
      opaque('opt/app/etc'),
      file('opt/app/etc/conf', 'conf'),
    ]),
    [
      'C /opt',
      'C /opt/app',
      'C /opt/app/VERSION',
      'A /opt/app/VERSION/inside',
      'C /opt/app/bin',
      'D /opt/app/bin/app2',
      'A /opt/app/bin/new',
      'D /opt/app/lib',
    ],
  )
})

t.test('an opaque directory where the lowers have none, or a file: everything below it is A', async (t) => {
  t.same(changesOfFixture([opaque('srv'), file('srv/a', 'a'), opaque('opt/keep'), file('opt/keep/x', 'x')]), [
    'C /opt',
    'C /opt/keep',
    'A /opt/keep/x',
    'A /srv',
    'A /srv/a',
  ])
})

/** `rm -rf /opt/app` of the image's tree, entry by entry. */
const RM_RF_APP: Op[] = [
  { op: 'unlink', path: 'opt/app/VERSION' },
  { op: 'unlink', path: 'opt/app/bin/app2' },
  { op: 'rmdir', path: 'opt/app/bin' },
  { op: 'unlink', path: 'opt/app/lib/libapp.so' },
  { op: 'rmdir', path: 'opt/app/lib' },
  { op: 'unlink', path: 'opt/app/etc/conf' },
  { op: 'rmdir', path: 'opt/app/etc' },
  { op: 'rmdir', path: 'opt/app' },
]

const SEQUENCES: { name: string; ops: Op[]; want: string[] }[] = [
  {
    // a package's data.tar has a ./ entry: dpkg sets the root's mode and times (found by a dpkg install)
    name: 'a chmod of the root itself, then a new file',
    ops: [
      { op: 'chmod', path: '', mode: 0o755 },
      { op: 'write', path: 'opt/new', data: 'new' },
    ],
    want: ['C /opt', 'A /opt/new'],
  },
  {
    name: 'rm -rf /opt/app && mkdir -p /opt/app/bin && echo version=3 > /opt/app/VERSION',
    ops: [
      ...RM_RF_APP,
      { op: 'mkdir', path: 'opt/app' },
      { op: 'mkdir', path: 'opt/app/bin' },
      { op: 'write', path: 'opt/app/VERSION', data: 'version=3\n' },
    ],
    want: [
      'C /opt',
      'C /opt/app',
      'C /opt/app/VERSION',
      'C /opt/app/bin',
      'D /opt/app/bin/app2',
      'D /opt/app/etc',
      'D /opt/app/lib',
    ],
  },
  {
    name: 'a directory renamed over a removed lower one',
    ops: [
      { op: 'mkdir', path: 'staging' },
      { op: 'mkdir', path: 'staging/bin' },
      { op: 'write', path: 'staging/bin/app3', data: 'three' },
      ...RM_RF_APP,
      { op: 'rename', from: 'staging', to: 'opt/app' },
    ],
    want: [
      'C /opt',
      'C /opt/app',
      'D /opt/app/VERSION',
      'C /opt/app/bin',
      'D /opt/app/bin/app2',
      'A /opt/app/bin/app3',
      'D /opt/app/etc',
      'D /opt/app/lib',
    ],
  },
]

for (const s of SEQUENCES) {
  t.test(`on the engine, walked and journaled: ${s.name}`, async (t) => {
    const dirs = buildStack(join(tmpdir(t, 'strata-changes-'), 's'), [IMAGE])
    const file = join(dirs.upper, '..', 'journal')
    const journal = new JournalWriter(file, dirs.upper)
    const ov = new Overlay({ ...dirs, xattrNamespace: 'trusted', beforeChange: (p, sub) => journal.note(p, sub) })
    for (const op of s.ops) t.equal(await runOnEngine(ov, op), 'ok', JSON.stringify(op))
    t.same(lines(changesOf(dirs.upper, dirs.lowers)), s.want, 'walked')
    t.same(lines(changesOf(dirs.upper, dirs.lowers, 'trusted', readJournal(file))), s.want, 'journaled')
  })
}
