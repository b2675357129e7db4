/**
 * bench/run's command line and the sizes of everything it builds: the full sizes the numbers in
 * docs/benchmarks.md are measured with, and `--quick` ones that only check the bench runs end to
 * end (the numbers mean nothing). Also the stop flag that SIGINT/SIGTERM raise, so a run that is
 * interrupted still unmounts everything on its way out.
 *   node dist/bench/run.js [--rounds N] [--quick] [--million]
 */
export interface Sizes {
  /** ext4 image size, e.g. '12G' */
  image: string
  /** layers, directories per layer (the same names in every layer: merged), files per directory per layer */
  layers: number
  dirs: number
  filesPerDir: number
  bigBytes: number
  copyUpBytes: number
  /** the flat tar: `untarDirs` directories of 100 files */
  untarDirs: number
  npmFiles: number
  copyUpFiles: number
  /** directories of the merged tree that `rm -rf a lower tree` removes */
  rmLowerDirs: number
  commit: { create: number; append: number; remove: number; mkdirs: number; chmods: number }
  fioMiB: number
  lookupLayers: number[]
  coldStats: number
  millionFiles: number
}

const FULL: Sizes = {
  image: '12G',
  layers: 10,
  dirs: 20,
  filesPerDir: 100,
  bigBytes: 1 << 30,
  copyUpBytes: 256 << 20,
  untarDirs: 100,
  npmFiles: 10_000,
  copyUpFiles: 1000,
  rmLowerDirs: 5,
  commit: { create: 2000, append: 500, remove: 500, mkdirs: 20, chmods: 200 },
  fioMiB: 64,
  lookupLayers: [1, 10, 100, 500, 1000],
  coldStats: 1000,
  millionFiles: 1_000_000,
}

const QUICK: Sizes = {
  image: '2G',
  layers: 2,
  dirs: 4,
  filesPerDir: 50,
  bigBytes: 8 << 20,
  copyUpBytes: 1 << 20,
  untarDirs: 10,
  npmFiles: 1000,
  copyUpFiles: 100,
  rmLowerDirs: 1,
  commit: { create: 200, append: 50, remove: 50, mkdirs: 4, chmods: 20 },
  fioMiB: 4,
  lookupLayers: [1, 10],
  coldStats: 100,
  millionFiles: 10_000,
}

export interface Options {
  rounds: number
  quick: boolean
  /** --million, or an --only naming 1M (e.g. `--only 'memory 1M'`): the 1M-file memory part */
  million: boolean
  /**
   * --only REGEX: run only the workloads whose name matches, and only the report parts
   * ('first stat', 'lookup latency', 'memory', 'opcodes') whose name matches; null runs all.
   */
  only: RegExp | null
  /** everything the run makes lives under here (the image, its mount, the layers) */
  root: string
  sizes: Sizes
}

export function parseOptions(argv: string[]): Options {
  const at = argv.indexOf('--rounds')
  const rounds = at >= 0 ? Number(argv[at + 1]) : 3
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a positive integer')
  const quick = argv.includes('--quick')
  const onlyAt = argv.indexOf('--only')
  const only = onlyAt >= 0 ? new RegExp(argv[onlyAt + 1] ?? '', 'i') : null
  return {
    rounds,
    quick,
    million: argv.includes('--million') || /1M/.test(onlyAt >= 0 ? (argv[onlyAt + 1] ?? '') : ''),
    only,
    root: quick ? '/tmp/strata-bench-quick' : '/tmp/strata-bench',
    sizes: quick ? QUICK : FULL,
  }
}

/** Raised by SIGINT/SIGTERM; the loops check it and throw, so `finally` blocks unmount. */
export const stop = { requested: false }

export function checkStop(): void {
  if (stop.requested) throw new Error('interrupted')
}

export function handleStopSignals(): void {
  const raise = () => {
    if (stop.requested) process.exit(130) // a second signal: give up cleaning
    stop.requested = true
    process.stderr.write('bench: stopping after the current step, then unmounting\n')
  }
  process.on('SIGINT', raise)
  process.on('SIGTERM', raise)
}
