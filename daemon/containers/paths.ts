/**
 * A container's directory layout, in one place: containers/<id>/ holds upper/ (its writable
 * layer), work/ (the mount worker's staging, same filesystem as upper/), journal (the paths the
 * worker changed, diff/journal.ts), merged/ (where it is mounted unless a path is given) and
 * empty/ (the one lower directory of an image without layers, made when first needed); for its
 * process: bundle/config.json (the OCI runtime's), stdout.log and stderr.log (what the process
 * wrote), exit (its status, written by the monitor), runtime.log (the runtime's own errors) and stdin (the FIFO
 * a -i or -t process reads, stdin-pipe.ts);
 * init/ (the init layer: mount targets for hostname, hosts and resolv.conf, the files beside it
 * that are bind-mounted there; etc-files.ts).
 * Never: reads or writes a record; the store owns the directory itself (containers/<id>).
 * Tests: test/unit/containers/paths.test.ts
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export interface ContainerPaths {
  dir: string
  upper: string
  work: string
  journal: string
  merged: string
  empty: string
  bundle: string
  stdout: string
  stderr: string
  exit: string
  runtimeLog: string
  stdin: string
  init: string
  hostname: string
  hosts: string
  resolv: string
}

/** The paths inside a container's directory (`ContainerStore.dirOf(id)`). */
export function containerPaths(dir: string): ContainerPaths {
  return {
    dir,
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    journal: join(dir, 'journal'),
    merged: join(dir, 'merged'),
    empty: join(dir, 'empty'),
    bundle: join(dir, 'bundle'),
    stdout: join(dir, 'stdout.log'),
    stderr: join(dir, 'stderr.log'),
    exit: join(dir, 'exit'),
    runtimeLog: join(dir, 'runtime.log'),
    stdin: join(dir, 'stdin'),
    init: join(dir, 'init'),
    hostname: join(dir, 'hostname'),
    hosts: join(dir, 'hosts'),
    resolv: join(dir, 'resolv.conf'),
  }
}

/** What a new container's directory starts with: upper/ and work/. */
export function makeLayout(dir: string): void {
  const p = containerPaths(dir)
  for (const d of [p.upper, p.work]) mkdirSync(d, { recursive: true, mode: 0o755 })
}
