/**
 * bench/run's per-opcode tables for strata: a workload runs on a strata-overlay started in the
 * foreground with its log captured; after the unmount the worker logs "session ended" with, per
 * opcode, how many requests it answered and their median, p99 and total time (fuse/op-stats.ts);
 * those the poll reader answered itself in C are rows of their own, timed there (reader-timings.ts).
 * Printed for the untar and the ls -lR workloads, with the FUSE requests per file `tar -x` creates
 * and per stat of a cold file (1,000 files stat'ed once on a fresh mount).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { freshScratch, overlayOptions, unmountPath, WORKER } from './backends.js'
import { python, sh, type Fixture } from './fixture.js'
import { checkStop, type Options } from './options.js'

interface OpSummary {
  count: number
  p50Us: number
  p99Us: number
  totalMs: number
}
type Ops = Record<string, OpSummary>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const isMounted = (mnt: string) => readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${mnt} `)

async function exited(child: ChildProcess, ms: number): Promise<boolean> {
  for (let t = 0; t < ms && child.exitCode === null && child.signalCode === null; t += 20) await sleep(20)
  return child.exitCode !== null || child.signalCode !== null
}

/** Runs `work` on a fresh foreground strata mount of `lowers`; the worker's op statistics when it ended. */
async function session(fx: Fixture, lowers: string[], name: string, work: (mnt: string) => void): Promise<Ops> {
  checkStop()
  const mnt = freshScratch(fx.scratch)
  const logFile = `${fx.fs}/opcodes-${name}.log`
  const log = openSync(logFile, 'w')
  const child = spawn(process.execPath, [WORKER, '-f', '-o', overlayOptions(lowers, fx.scratch), mnt], {
    stdio: ['ignore', 'ignore', log],
  })
  closeSync(log)
  try {
    for (let t = 0; !isMounted(mnt); t += 10) {
      if (child.exitCode !== null || child.signalCode !== null || t > 10_000)
        throw new Error(`strata-overlay did not mount: ${readFileSync(logFile, 'utf8')}`)
      await sleep(10)
    }
    work(mnt)
  } finally {
    if (isMounted(mnt)) unmountPath(mnt)
    if (!(await exited(child, 10_000))) {
      child.kill('SIGKILL')
      await exited(child, 2000)
    }
  }
  const ended = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"session ended"'))
    .map((l) => JSON.parse(l) as { ops?: Ops })
    .at(-1)
  if (!ended?.ops) throw new Error(`no "session ended" line with ops in ${logFile}`)
  return ended.ops
}

const total = (ops: Ops) => Object.values(ops).reduce((n, s) => n + s.count, 0)

function printOps(title: string, ops: Ops, extra?: { header: string; cell: (op: string) => string }): void {
  console.log(`\n${title}: ${total(ops).toLocaleString('en-US')} requests\n`)
  console.log(`| opcode | count | median µs | p99 µs | total ms |${extra ? ` ${extra.header} |` : ''}`)
  console.log(`|---|---|---|---|---|${extra ? '---|' : ''}`)
  const rows = Object.entries(ops).sort((a, b) => b[1].totalMs - a[1].totalMs)
  for (const [op, s] of rows)
    console.log(`| ${op} | ${s.count} | ${s.p50Us} | ${s.p99Us} | ${s.totalMs} |${extra ? ` ${extra.cell(op)} |` : ''}`)
}

/** argv: mnt, list, n. stat of the first n listed files, once each. */
const STAT_FIRST = `
import os, sys
for p in open(sys.argv[2]).read().split()[:int(sys.argv[3])]:
    os.stat(sys.argv[1] + '/' + p)
`

export async function printOpcodes(fx: Fixture, o: Options): Promise<void> {
  const untar = await session(fx, fx.layers, 'untar', (m) =>
    sh(`mkdir ${m}/untar && tar -xf ${fx.smallTar} -C ${m}/untar`),
  )
  printOps(`strata, untar ${fx.smallTarFiles.toLocaleString('en-US')} small files (fresh mount)`, untar)
  const lsOnce = await session(fx, fx.layers, 'ls-once', (m) => sh(`ls -lR ${m} > /dev/null`))
  const lsTwice = await session(fx, fx.layers, 'ls-twice', (m) =>
    sh(`ls -lR ${m} > /dev/null; ls -lR ${m} > /dev/null`),
  )
  printOps('strata, ls -lR twice on a fresh mount (cold, then warm)', lsTwice, {
    header: 'of which the warm run',
    cell: (op) => String((lsTwice[op]?.count ?? 0) - (lsOnce[op]?.count ?? 0)),
  })
  console.log(
    `\nthe warm ls -lR: ${(total(lsTwice) - total(lsOnce)).toLocaleString('en-US')} requests (cold: ${total(lsOnce).toLocaleString('en-US')})`,
  )
  const n = Math.min(o.sizes.coldStats, fx.files.length)
  const stats = await session(fx, fx.layers, 'stat', (m) => python(STAT_FIRST, [m, fx.fileList, n]))
  console.log(`FUSE requests per file tar -x creates: ${(total(untar) / fx.smallTarFiles).toFixed(2)}`)
  console.log(`FUSE requests per stat of a cold file (${n} files, fresh mount): ${(total(stats) / n).toFixed(2)}`)
}
