/**
 * The change journal against the walk it replaces: 300 seeded random union sequences (the same
 * generator the union tests use) run on the engine with a journal; after each, diff from the
 * journal equals diff from walking upper/. And the journal refuses to be trusted when it may miss
 * changes: upper/ not empty when it began, another boot, a damaged header.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { changesOf } from '../../../daemon/diff/changes.js'
import { bootId, JournalWriter, readJournal } from '../../../daemon/diff/journal.js'
import { Overlay } from '../../../daemon/overlay/overlay.js'
import { buildStack } from '../../helpers/fixtures.js'
import { tmpdir } from '../../helpers/tmpdir.js'
import { runOnEngine } from '../../suites/ops.js'
import { sequence, skipped } from '../../suites/random.js'

const SEEDS = Number(process.env.STRATA_JOURNAL_SEEDS ?? 300)

t.test(`diff from the journal equals diff from the walk (${SEEDS} random sequences)`, async (t) => {
  let differing = 0
  let changes = 0
  for (let seed = 1; seed <= SEEDS; seed++) {
    const seq = sequence(seed)
    const dirs = buildStack(join(tmpdir(t, 'strata-journal-'), 's'), seq.layers)
    const file = join(dirs.upper, '..', 'journal')
    const journal = new JournalWriter(file, dirs.upper)
    const ov = new Overlay({ ...dirs, xattrNamespace: 'trusted', beforeChange: (p, sub) => journal.note(p, sub) })
    for (const op of seq.ops) if (!skipped(ov, op)) await runOnEngine(ov, op)
    const walked = changesOf(dirs.upper, dirs.lowers)
    const journaled = changesOf(dirs.upper, dirs.lowers, 'trusted', readJournal(file))
    changes += walked.length
    if (JSON.stringify(walked) !== JSON.stringify(journaled)) {
      differing++
      t.same(journaled, walked, `seed ${seed}`)
    }
  }
  t.equal(differing, 0, `journal and walk agree (${changes} changes in all)`)
  t.ok(changes > SEEDS, 'the sequences changed things')
})

t.test('a journal is trusted only when it holds every change', async (t) => {
  const dirs = buildStack(join(tmpdir(t, 'strata-journal-'), 's'), [[]])
  const file = join(dirs.upper, '..', 'journal')
  new JournalWriter(file, dirs.upper).note('a')
  t.same(readJournal(file), { paths: new Set(['a']), subtrees: new Set() })
  new JournalWriter(file, dirs.upper).note('b', true)
  t.same(readJournal(file)?.subtrees, new Set(['b']), 'a usable journal is continued')
  writeFileSync(join(dirs.upper, 'x'), 'x')
  writeFileSync(file, readFileSync(file, 'utf8').replace(bootId(), '00000000-another-boot'))
  t.equal(readJournal(file), null, 'another boot: not trusted')
  new JournalWriter(file, dirs.upper)
  t.match(readFileSync(file, 'utf8'), /incomplete\n$/, 'restarted over a non-empty upper: incomplete')
  t.equal(readJournal(file), null)
  writeFileSync(file, 'garbage\n')
  t.equal(readJournal(file), null, 'a damaged header')
  t.equal(readJournal(join(dirs.upper, 'none')), null, 'no journal')
})
