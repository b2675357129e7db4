/**
 * A mount request (mount.create, or a container's or image's mount) as the supervisor takes it:
 * absolute paths without the characters the worker's -o syntax cannot carry, directories that
 * exist (a target may be missing when it is to be made), the target resolved as the kernel will
 * record it and allowed where it is (mount-target.ts).
 * Errors: INVALID_ARGUMENT naming the field.
 * Tests: test/integration/daemon-mounts.test.ts, test/integration/mount-targets.test.ts
 */
import { statSync } from 'node:fs'
import { dirname, isAbsolute, normalize } from 'node:path'
import type { MountCreateParams, MountSpec } from '../../client/protocol.js'
import { invalidArgument } from '../errors.js'
import { checkTarget, resolvePath } from './mount-target.js'

export interface RequestOptions {
  /** The target may be missing: it is made later. */
  makeTarget: boolean
  /** The daemon chose the target under its data root. */
  ownPlace: boolean
  root: string
  /** Other paths of the daemon's that no mount may cover. */
  protect: string[]
}

/** Characters the worker's -o syntax cannot carry in a path. */
const UNSAFE = /[,:\\\n]/

/**
 * The request checked: its paths normalised, the target resolved and allowed where it is
 * (mount-target.ts), the directories served resolved too.
 */
export function checkRequest(p: MountCreateParams, o: RequestOptions): { target: string; spec: MountSpec } {
  if (typeof p !== 'object' || p === null || typeof p.spec !== 'object' || p.spec === null)
    throw invalidArgument('mount.create needs target and spec')
  // The kernel records the resolved path: a symlink or a trailing / would not match mountinfo.
  const target = resolvePath(o.makeTarget ? checkMissingOrDir(p.target, 'target') : checkDir(p.target, 'target'))
  if (UNSAFE.test(target)) throw invalidArgument(`target ${target}: paths with , : \\ or newlines are not supported`)
  const lowerdirs = Array.isArray(p.spec.lowerdirs) ? p.spec.lowerdirs.map((d) => checkDir(d, 'lowerdir')) : []
  const upperdir = p.spec.upperdir === undefined ? undefined : checkDir(p.spec.upperdir, 'upperdir')
  const workdir = p.spec.workdir === undefined ? undefined : checkDir(p.spec.workdir, 'workdir')
  if (!lowerdirs.length) throw invalidArgument('at least one lowerdir is required')
  if (Boolean(upperdir) !== Boolean(workdir)) throw invalidArgument('upperdir and workdir go together')
  const journal = p.spec.journal === undefined ? undefined : checkFile(p.spec.journal, 'journal')
  if (journal && !upperdir) throw invalidArgument('a journal needs an upperdir')
  const served = [...lowerdirs, upperdir, workdir].filter((d) => d !== undefined).map(resolvePath)
  checkTarget(target, { root: o.root, protect: o.protect, served, ownPlace: o.ownPlace })
  return { target, spec: { lowerdirs, upperdir, workdir, readonly: !upperdir, ...(journal ? { journal } : {}) } }
}

/** A file path the worker may create: absolute, in an existing directory, safe for -o. */
function checkFile(v: unknown, what: string): string {
  if (typeof v !== 'string' || !isAbsolute(v)) throw invalidArgument(`${what} must be an absolute path`)
  checkDir(dirname(v), `${what}'s directory`)
  if (UNSAFE.test(v)) throw invalidArgument(`${what} ${v}: paths with , : \\ or newlines are not supported`)
  return normalize(v)
}

function checkPath(v: unknown, what: string): string {
  if (typeof v !== 'string' || !isAbsolute(v)) throw invalidArgument(`${what} must be an absolute path`)
  if (UNSAFE.test(v)) throw invalidArgument(`${what} ${v}: paths with , : \\ or newlines are not supported`)
  return normalize(v)
}

function checkDir(v: unknown, what: string): string {
  const path = checkPath(v, what)
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory() !== true)
    throw invalidArgument(`${what} ${path} is not a directory`)
  return path
}

/** A directory, or nothing yet (made later). */
function checkMissingOrDir(v: unknown, what: string): string {
  const path = checkPath(v, what)
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory() === false)
    throw invalidArgument(`${what} ${path} is not a directory`)
  return path
}
