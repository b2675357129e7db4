/**
 * The RPC contract between stratad and its clients: wire format, frames, methods with their
 * parameter and result types, error codes. The daemon imports this file; nothing else is shared.
 *
 * Wire: each frame is a 4-byte big-endian length, then that many bytes of msgpack. The client
 * opens with `{id: 0, method: 'hello', params: {version}}`; the daemon answers `{id: 0, result}`
 * or `{id: 0, error}` and closes. Then any number of calls run at once on the connection:
 *   request  {id, method, params}          reply {id, result} | {id, error: {code, message}}
 *   stream   {id, chunk} … {id, end: true}  (upload: client -> daemon; download: daemon -> client)
 *            {id, ack: bytes}               the receiver consumed that many chunk bytes
 *            {id, event}                    progress, daemon -> client
 *            {id, cancel: true}             client -> daemon: stop this call
 * A sender keeps at most STREAM_WINDOW chunk bytes unacknowledged per call (backpressure).
 * An error frame with id 0 outside the handshake says why the daemon is closing the connection.
 */
import { Packr, type Options } from 'msgpackr'

export const PROTOCOL_VERSION = 1
/** Frames larger than this are refused (the connection is closed); configurable on the daemon. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024
/** Largest chunk a stream sender puts in one frame. */
export const STREAM_CHUNK_BYTES = 256 * 1024
/** Unacknowledged chunk bytes a stream sender may have in flight. */
export const STREAM_WINDOW = 4 * 1024 * 1024

export const ERROR_CODES = [
  'NOT_FOUND',
  'CONFLICT',
  'IN_USE',
  'INVALID_ARGUMENT',
  'PERMISSION_DENIED',
  'UNAVAILABLE',
  'INTERNAL',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

/** The one error type of the RPC boundary; `code` never changes meaning, `message` names the object. */
export class StrataError extends Error {
  override name = 'StrataError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

export const isErrorCode = (v: unknown): v is ErrorCode => ERROR_CODES.includes(v as ErrorCode)

// ---- frames ----

export interface WireError {
  code: ErrorCode
  message: string
}
export type Frame =
  | { id: number; method: string; params: unknown }
  | { id: number; result: unknown }
  | { id: number; error: WireError }
  | { id: number; chunk: Uint8Array }
  | { id: number; end: true }
  | { id: number; ack: number }
  | { id: number; event: ProgressEvent }
  | { id: number; cancel: true }

/**
 * Registry credentials a client sends with image.pull and image.push: the calling user's own (the
 * CLI reads them from that user's config, client/cli/registry-auth.ts), as Docker's CLI sends
 * X-Registry-Auth. The daemon uses them for that call only and keeps none.
 */
export interface RegistryAuth {
  username: string
  password: string
}

/**
 * A progress event (`{id, event}` frames of image.pull and image.push), one line of what `docker
 * pull`/`push` print. Events with an `id` are about one item (a layer: its short digest) and
 * replace that item's previous line; events without one are about the whole call (`Digest: …`).
 */
export interface ProgressEvent {
  /** The item: a layer's short id. Absent for a line about the whole call. */
  id?: string
  status: string
  /** Bytes done and expected while data moves (pull). */
  current?: number
  total?: number
  /** The layer's full digest (push). */
  layer?: string
}

export interface Hello {
  version: number
  client?: string
}
export interface Welcome {
  version: number
  daemon: string
}

/**
 * msgpack without records or extensions: frames are plain maps, arrays, strings, numbers, bytes.
 * A field whose value is undefined is left out, as JSON.stringify does (msgpackr would otherwise
 * send undefined as an extension type, which other clients cannot read).
 */
const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  mapsAsObjects: true,
  skipValues: [undefined], // in msgpackr's README, not in its types
} as Options)

export function encodeFrame(frame: Frame): Buffer {
  const body = packr.pack(frame)
  const out = Buffer.allocUnsafe(4 + body.length)
  out.writeUInt32BE(body.length, 0)
  body.copy(out, 4)
  return out
}

export class FrameError extends Error {
  override name = 'FrameError'
}

/**
 * Splits a byte stream into frames. Throws FrameError for a frame over the limit (checked from
 * its length prefix, before its body is buffered), one that does not decode, or one that is not
 * a map with a safe integer id; the caller then closes the connection.
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0)
  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  push(data: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data
    const frames: Frame[] = []
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0)
      if (len > this.maxFrameBytes)
        throw new FrameError(`frame of ${len} bytes is over the limit of ${this.maxFrameBytes}`)
      if (this.buf.length < 4 + len) break
      frames.push(decodeBody(this.buf.subarray(4, 4 + len)))
      this.buf = this.buf.subarray(4 + len)
    }
    return frames
  }

  /** Bytes of a frame begun but not finished (a truncated stream ends with this non-zero). */
  get pending(): number {
    return this.buf.length
  }
}

function decodeBody(body: Buffer): Frame {
  let v: unknown
  try {
    v = packr.unpack(body)
  } catch (err) {
    throw new FrameError(`frame does not decode as msgpack: ${(err as Error).message}`)
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FrameError('frame is not a map')
  const id = (v as { id?: unknown }).id
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new FrameError('frame has no valid id')
  return v as Frame
}

// ---- methods ----

export interface VersionInfo {
  version: string
  protocol: number
  node: string
  os: string
  arch: string
  kernel: string
}

export interface SystemInfo {
  version: string
  pid: number
  root: string
  socket: string
  startedAt: string
  storage: { driver: 'strata-fuse'; backingFs: string; passthrough: boolean }
  counts: { layers: number; images: number; containers: number; mounts: number; mountsServing: number }
  connections: number
  callsInFlight: number
}

/** A supervised FUSE mount of a layer stack (top layer first, as in lowerdir=). */
export interface MountSpec {
  lowerdirs: string[]
  upperdir?: string
  workdir?: string
  readonly: boolean
  /** A file where the worker records the paths it changes (containers' diff uses it). */
  journal?: string
}
export type MountState = 'starting' | 'serving' | 'failed' | 'removing'
export interface MountInfo {
  id: string
  target: string
  spec: MountSpec
  volatile: boolean
  state: MountState
  pid: number | null
  createdAt: string
  /** Set while `state` is 'failed': why the last start did not work. */
  error?: string
  /** How many times the daemon re-started its worker. */
  restarts: number
  /** Set (true) while its worker holds requests: a commit reads its upper layer. */
  paused?: boolean
}

export interface MountCreateParams {
  target: string
  spec: MountSpec
  volatile?: boolean
}
export interface MountRemoveParams {
  /** A mount's ID (or a unique prefix of it) or its target path. */
  mount: string
  /** Detach even when busy (umount -l). */
  force?: boolean
}

export interface ImageImportParams {
  /** REPO[:TAG] to tag the new image with. */
  ref?: string
  /** Dockerfile instructions for the config (CMD, ENV, …). */
  changes?: string[]
  message?: string
  /** Where the tarball came from, for the history comment ("-" for stdin). */
  source?: string
  /** An http(s) URL the daemon downloads the tarball from, instead of an upload (progress events as it goes). */
  url?: string
}
export interface ImageSummary {
  id: string
  repoTags: string[]
  repoDigests: string[]
  parent: string | null
  created: string
  /** Content bytes of its layers, as Docker's image Size (file bytes, not tar or disk bytes). */
  size: number
  labels: Record<string, string>
  dangling: boolean
}
export interface ImageListParams {
  all?: boolean
  /** dangling=true|false, reference=GLOB, label=K or K=V, before=IMAGE, since=IMAGE */
  filters?: Record<string, string[]>
}
export interface ImageHistoryItem {
  id: string
  created: string
  createdBy: string
  /** Content bytes of the layer this step made (Docker's DiffSize); 0 for an empty layer. */
  size: number
  comment: string
  tags: string[]
}
export interface ImageLoadResult {
  /** Each image in the archive, with the tags it was given (familiar form). */
  images: Array<{ id: string; tags: string[] }>
}
export interface ImagePruneResult {
  deleted: ImageRemoveEvent[]
  /** Bytes on disk of the layers deleted. */
  reclaimed: number
}
export interface UsageRow {
  total: number
  active: number
  /** Bytes on disk, each layer counted once. */
  size: number
  /** Bytes that removing everything not in use would free. */
  reclaimable: number
}
export interface SystemDf {
  images: UsageRow
  containers: UsageRow
  layers: UsageRow
  imageDetails: Array<{
    id: string
    repoTags: string[]
    created: string
    /** Content bytes, as ImageSummary.size (not bytes on disk, unlike the rows above). */
    size: number
    /** Content bytes of its layers that other images use too; uniqueSize is the rest. */
    sharedSize: number
    uniqueSize: number
    containers: number
  }>
}
export interface FsckProblem {
  /** What kind of record or directory: layer, layer-dir, image, tag, refcount, container, container-dir. */
  kind: string
  /** Its ID, path or key. */
  subject: string
  message: string
  repaired: boolean
}
export interface FsckResult {
  checked: { layers: number; images: number; tags: number; containers: number }
  problems: FsckProblem[]
}
export interface LayerWhy {
  layer: { chainId: string; diffId: string; parent: string | null; size: number; diskBytes: number }
  refcount: number
  /** What references it directly: its child layers, images whose top layer it is (and containers). */
  referrers: Array<{ kind: 'layer' | 'image' | 'container'; id: string; names: string[] }>
  /** Every image whose chain contains it. */
  images: Array<{ id: string; names: string[] }>
}
export interface ContainerSummary {
  id: string
  name: string
  /** The image as it was named at create (or its ID). */
  image: string
  imageId: string
  created: string
  /** Where it is mounted read-write, or null. */
  mountpoint: string | null
  /** Set (true) while its mount is paused (a commit reads its writable layer). */
  paused?: boolean
  /** Whether its process runs, ran (exited) or never did (created). */
  state: 'created' | 'running' | 'exited'
  /** Its process's command line, as run (absent for one never run). */
  command?: string
  startedAt?: string
  finishedAt?: string
  exitCode?: number
  /** Bytes on disk of its writable layer (with `size`). */
  sizeRw?: number
  /** Content bytes of its image's layers (with `size`). */
  sizeRootFs?: number
}
export interface ContainerChange {
  kind: 'A' | 'C' | 'D'
  /** Absolute in the container (/etc/motd). */
  path: string
}
export interface ContainerCommitParams {
  container: string
  /** REPO[:TAG] for the new image. */
  ref?: string
  author?: string
  message?: string
  /** Dockerfile instructions applied to the config (CMD, ENV, …). */
  changes?: string[]
  /** Hold a mounted container's writes while its changes are read (default true, as Docker). */
  pause?: boolean
}
/** How `run` and `start` configure a container's process (Docker's flags of the same names). */
export interface ContainerRunOptions {
  /** Replaces the image's Cmd. */
  cmd?: string[]
  /** Replaces the image's Entrypoint (and drops its Cmd); '' clears it. */
  entrypoint?: string
  /** K=V, after the image's. */
  env?: string[]
  workdir?: string
  /** USER[:GROUP], names or numbers, resolved in the container's /etc/passwd and /etc/group. */
  user?: string
  hostname?: string
  /** 'none' (the default: a network namespace with loopback only) or 'host'. */
  network?: string
  readOnly?: boolean
  /** HOST:CONTAINER[:ro] bind mounts (root only). */
  volumes?: string[]
  /** Remove the container when its process ends (--rm). */
  autoRemove?: boolean
  /** A pseudo-terminal for the process (-t): stdout and stderr merged on it, one output stream. */
  tty?: boolean
  /** Keep the process's stdin open (-i); without an attached client it never ends (`-di`). */
  openStdin?: boolean
}
/** A terminal's size in character cells (integers 1 to 65535). */
export interface TerminalSize {
  rows?: number
  cols?: number
}
export interface ContainerRunParams extends ContainerRunOptions {
  image: string
  name?: string
  /**
   * Return once started; otherwise the output streams (download) and the result has the exit
   * code. Not detached with `openStdin`: the call's upload is the process's stdin, its end the stdin's
   * EOF (with `tty` the terminal's input: it never sends EOF, the terminal's ^D does).
   */
  detach?: boolean
  /** The size of the process's terminal (with `tty`); 24x80 when not given. */
  consoleSize?: TerminalSize
}
/** How a process ended: its exit status, and the runtime's message when it could not start it. */
export interface ContainerExit {
  exitCode: number
  error?: string
}
export type ImageRemoveEvent = { Untagged: string } | { Deleted: string }
/** `docker build`: the context is the call's upload (a tar); the Dockerfile comes as text. */
export interface ImageBuildParams {
  /** The Dockerfile's text (the CLI reads it wherever -f points, as Docker's CLI does). */
  dockerfile: string
  /** REPO[:TAG] names for the result. */
  tags?: string[]
  /** K=V for ARG (the CLI resolves a bare K from its environment). */
  buildArgs?: string[]
  /** The stage to stop at. */
  target?: string
  noCache?: boolean
  /** K=V labels for the result. */
  labels?: string[]
  /** RUN's network: 'none' (the default) or 'host'. */
  network?: string
  /**
   * The caller's registry logins by registry host (`docker.io` for Docker Hub), for the images
   * the build pulls (FROM, COPY --from), as Docker's CLI sends its config with a build; the daemon
   * keeps none.
   */
  auths?: Record<string, RegistryAuth>
}

/** Every method: its parameters, its result, and which streams it uses. */
export interface Methods {
  'system.ping': { params: Record<string, never>; result: { pong: true } }
  'system.version': { params: Record<string, never>; result: VersionInfo }
  'system.info': { params: Record<string, never>; result: SystemInfo }
  'mount.create': { params: MountCreateParams; result: MountInfo }
  'mount.remove': { params: MountRemoveParams; result: { id: string } }
  'mount.list': { params: Record<string, never>; result: MountInfo[] }
  /** Upload: a rootfs tarball (plain or gzip). */
  'image.import': { params: ImageImportParams; result: { id: string } }
  'image.list': { params: ImageListParams; result: ImageSummary[] }
  'image.tag': { params: { source: string; target: string }; result: { id: string } }
  'image.remove': { params: { image: string; force?: boolean; noPrune?: boolean }; result: ImageRemoveEvent[] }
  'image.inspect': { params: { image: string }; result: Record<string, unknown> }
  'image.history': { params: { image: string }; result: ImageHistoryItem[] }
  /** Upload: a docker-archive or OCI layout tar (plain or gzip'd blobs inside). */
  'image.load': { params: Record<string, never>; result: ImageLoadResult }
  /** Download: one tar that is both a docker-archive and an OCI layout. */
  'image.save': { params: { images: string[] }; result: { bytes: number } }
  'image.prune': { params: { all?: boolean; filters?: Record<string, string[]> }; result: ImagePruneResult }
  'system.df': { params: Record<string, never>; result: SystemDf }
  /** Root only with `repair`. */
  'system.fsck': { params: { repair?: boolean }; result: FsckResult }
  'layer.why': { params: { layer: string }; result: LayerWhy }
  /** With run options, as `docker create`: they take effect at its first `container.start`. */
  'container.create': {
    params: { image: string; name?: string } & ContainerRunOptions
    result: { id: string; name: string }
  }
  'container.list': {
    params: { all?: boolean; size?: boolean; filters?: Record<string, string[]> }
    result: ContainerSummary[]
  }
  /** A path of the caller's choosing is root only. */
  'container.mount': { params: { container: string; target?: string }; result: { path: string } }
  'container.unmount': { params: { container: string; force?: boolean }; result: { mounted: boolean } }
  'container.diff': { params: { container: string }; result: ContainerChange[] }
  /** Docker's container inspect JSON for what applies (no process); `size` adds SizeRw and SizeRootFs. */
  'container.inspect': { params: { container: string; size?: boolean }; result: Record<string, unknown> }
  'container.commit': { params: ContainerCommitParams; result: { id: string } }
  'container.remove': { params: { container: string; force?: boolean }; result: { id: string } }
  /** Download: the container's filesystem (its merged view) as a tar. */
  'container.export': { params: { container: string }; result: { bytes: number } }
  /**
   * Events (ProgressEvent), Docker's: { status: 'TAG: Pulling from REPO' }, then { id, status, current?, total? }
   * per layer ('Already exists' | 'Pulling fs layer', 'Downloading', 'Verifying Checksum', 'Download complete',
   * 'Extracting', 'Pull complete'), then { status } lines ('Digest: …', 'Status: …').
   */
  'image.pull': {
    params: { ref: string; platform?: string; auth?: RegistryAuth }
    result: { id: string; digest: string }
  }
  /**
   * Events (ProgressEvent), Docker's: { status: 'The push refers to repository [REPO]' }, { id, status: 'Preparing' }
   * per layer (id: its short diffID), then { id, layer, status, current?, total? } ('Layer already exists',
   * 'Mounted from REPO', 'Pushing', 'Pushed'), last { status: 'TAG: digest: … size: N' }.
   */
  'image.push': { params: { ref: string; auth?: RegistryAuth }; result: { digest: string } }
  /**
   * Checks the credentials with the registry and keeps nothing: the CLI keeps them in the user's own
   * config and sends them with each pull and push (`auth`), as Docker's CLI does.
   */
  'registry.login': { params: { host: string; username: string; password: string }; result: { status: string } }
  /**
   * create + mount + start. Without `detach`, a download of the process's output in Docker's
   * multiplexed format (8-byte headers: stream 1 stdout, 2 stderr; 3 zero bytes; uint32 BE length)
   * until it ends, and the result has its exit; an event { id: containerId, status: 'Started' } comes
   * first (for forwarding signals).
   */
  'container.run': { params: ContainerRunParams; result: { id: string; name: string } & Partial<ContainerExit> }
  /** With `attach`, streams and ends as run does. */
  /** With `attach` and `interactive` (a container made with openStdin), the upload is its stdin, as run's. */
  'container.start': {
    params: { container: string; attach?: boolean; interactive?: boolean; consoleSize?: TerminalSize }
    result: { id: string } & Partial<ContainerExit>
  }
  /** Its stop signal, then SIGKILL after `timeout` seconds (default 10); returns once it ended. */
  'container.stop': { params: { container: string; timeout?: number }; result: { id: string } }
  'container.kill': { params: { container: string; signal?: string }; result: { id: string } }
  'container.wait': { params: { container: string }; result: ContainerExit }
  /** Download: its output so far (multiplexed as run's); with `follow`, until its process ends. */
  'container.logs': { params: { container: string; follow?: boolean }; result: { bytes: number } }
  /**
   * Download: the command's output (multiplexed as run's) while it runs in the running container.
   * `interactive`: the upload is its stdin (its end the EOF); `tty`: a terminal, output on stream 1.
   */
  'container.exec': {
    params: {
      container: string
      cmd: string[]
      env?: string[]
      workdir?: string
      user?: string
      interactive?: boolean
      tty?: boolean
      consoleSize?: TerminalSize
    }
    result: ContainerExit
  }
  'image.mount': { params: { image: string; target?: string }; result: { path: string } }
  'image.unmount': { params: { image: string; force?: boolean }; result: { mounted: boolean } }
  /**
   * Upload: the build context as a tar. Events { status } are the classic builder's output lines
   * (`Step 1/5 : FROM busybox`, ` ---> Using cache`, a RUN's output, `Successfully tagged …`).
   */
  'image.build': { params: ImageBuildParams; result: { id: string } }
}
export type MethodName = keyof Methods
export type ParamsOf<M extends MethodName> = Methods[M]['params']
export type ResultOf<M extends MethodName> = Methods[M]['result']

// ---- params schemas ----

/**
 * What each params field must be when it arrives. stratad checks every call against PARAMS before
 * the method runs (daemon/api/params.ts) and answers INVALID_ARGUMENT naming the field. Kinds:
 *   'string'   a non-empty string                  'string?'   a string, or absent
 *   'boolean'  true or false (absent reads false)  'boolean?'  true, false, or absent
 *   'strings'  a list of strings                   'strings?'  the same, or absent
 *   'filters?' a map of lists of strings (Docker's filters), or absent
 *   'number?'  a finite number, or absent
 *   'auths?'   a map of registry logins ({ username, password } each, by registry host), or absent
 *   { fields } a map, each field checked by its own kind (`optional: true`: or absent)
 * Absent means missing or nil (clients in other languages send nil for "not set"). Fields the
 * schema does not name are dropped. ParamsSchema is derived from the params types above, so a
 * field added there without its kind here, or with the wrong kind, does not compile.
 */
export type FieldSchema =
  | 'string'
  | 'string?'
  | 'boolean'
  | 'boolean?'
  | 'strings'
  | 'strings?'
  | 'filters?'
  | 'number?'
  | 'auths?'
  | { readonly fields: Readonly<Record<string, FieldSchema>>; readonly optional?: boolean }

type KindOf<T, Optional extends boolean> = [T] extends [string]
  ? Optional extends true
    ? 'string?'
    : 'string'
  : [T] extends [boolean]
    ? Optional extends true
      ? 'boolean?'
      : 'boolean'
    : [T] extends [string[]]
      ? Optional extends true
        ? 'strings?'
        : 'strings'
      : [T] extends [number]
        ? Optional extends true
          ? 'number?'
          : never
        : [T] extends [Record<string, string[]>]
          ? Optional extends true
            ? 'filters?'
            : never
          : [T] extends [Record<string, RegistryAuth>]
            ? Optional extends true
              ? 'auths?'
              : never
            : { readonly fields: ParamsSchema<T>; readonly optional?: Optional }

export type ParamsSchema<P> = {
  readonly [K in keyof P]-?: KindOf<Exclude<P[K], undefined>, undefined extends P[K] ? true : false>
}

const SPEC = {
  fields: { lowerdirs: 'strings', upperdir: 'string?', workdir: 'string?', readonly: 'boolean', journal: 'string?' },
} as const
const NAMED = { container: 'string' } as const
const RUN_OPTIONS = {
  cmd: 'strings?',
  entrypoint: 'string?',
  env: 'strings?',
  workdir: 'string?',
  user: 'string?',
  hostname: 'string?',
  network: 'string?',
  readOnly: 'boolean?',
  volumes: 'strings?',
  autoRemove: 'boolean?',
  tty: 'boolean?',
  openStdin: 'boolean?',
} as const
const SIZE = { fields: { rows: 'number?', cols: 'number?' }, optional: true } as const
const IMAGE = { image: 'string' } as const
const AUTH = { fields: { username: 'string', password: 'string' }, optional: true } as const

export const PARAMS: { readonly [M in MethodName]: ParamsSchema<ParamsOf<M>> } = {
  'system.ping': {},
  'system.version': {},
  'system.info': {},
  'mount.create': { target: 'string', spec: SPEC, volatile: 'boolean?' },
  'mount.remove': { mount: 'string', force: 'boolean?' },
  'mount.list': {},
  'image.import': { ref: 'string?', changes: 'strings?', message: 'string?', source: 'string?', url: 'string?' },
  'image.list': { all: 'boolean?', filters: 'filters?' },
  'image.tag': { source: 'string', target: 'string' },
  'image.remove': { ...IMAGE, force: 'boolean?', noPrune: 'boolean?' },
  'image.inspect': IMAGE,
  'image.history': IMAGE,
  'image.load': {},
  'image.save': { images: 'strings' },
  'image.prune': { all: 'boolean?', filters: 'filters?' },
  'system.df': {},
  'system.fsck': { repair: 'boolean?' },
  'layer.why': { layer: 'string' },
  'container.create': { ...IMAGE, name: 'string?', ...RUN_OPTIONS },
  'container.list': { all: 'boolean?', size: 'boolean?', filters: 'filters?' },
  'container.mount': { ...NAMED, target: 'string?' },
  'container.unmount': { ...NAMED, force: 'boolean?' },
  'container.diff': NAMED,
  'container.inspect': { ...NAMED, size: 'boolean?' },
  'container.commit': {
    ...NAMED,
    ref: 'string?',
    author: 'string?',
    message: 'string?',
    changes: 'strings?',
    pause: 'boolean?',
  },
  'container.remove': { ...NAMED, force: 'boolean?' },
  'container.export': NAMED,
  'image.pull': { ref: 'string', platform: 'string?', auth: AUTH },
  'image.push': { ref: 'string', auth: AUTH },
  'registry.login': { host: 'string', username: 'string', password: 'string' },
  'container.run': { ...IMAGE, name: 'string?', detach: 'boolean?', consoleSize: SIZE, ...RUN_OPTIONS },
  'container.start': { ...NAMED, attach: 'boolean?', interactive: 'boolean?', consoleSize: SIZE },
  'container.stop': { ...NAMED, timeout: 'number?' },
  'container.kill': { ...NAMED, signal: 'string?' },
  'container.wait': NAMED,
  'container.logs': { ...NAMED, follow: 'boolean?' },
  'container.exec': {
    ...NAMED,
    cmd: 'strings',
    env: 'strings?',
    workdir: 'string?',
    user: 'string?',
    interactive: 'boolean?',
    tty: 'boolean?',
    consoleSize: SIZE,
  },
  'image.mount': { ...IMAGE, target: 'string?' },
  'image.unmount': { ...IMAGE, force: 'boolean?' },
  'image.build': {
    dockerfile: 'string',
    tags: 'strings?',
    buildArgs: 'strings?',
    target: 'string?',
    noCache: 'boolean?',
    labels: 'strings?',
    network: 'string?',
    auths: 'auths?',
  },
}

// ---- flow control ----

/**
 * The sender's side of the stream rule: at most STREAM_WINDOW chunk bytes unacknowledged.
 * `reserve(n)` waits until n more bytes fit; `ack(n)` is called for each ack frame; `fail`
 * wakes every waiter with the error (the call ended or the connection closed).
 */
export class CreditWindow {
  private unacked = 0
  private waiters: Array<{ n: number; resolve: () => void; reject: (e: Error) => void }> = []
  private failure: Error | undefined

  constructor(private readonly size = STREAM_WINDOW) {}

  reserve(n: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    if (this.unacked + n <= this.size || this.unacked === 0) {
      this.unacked += n
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => this.waiters.push({ n, resolve, reject }))
  }

  ack(n: number): void {
    this.unacked = Math.max(0, this.unacked - n)
    while (this.waiters.length) {
      const w = this.waiters[0] as (typeof this.waiters)[number]
      if (this.unacked + w.n > this.size && this.unacked !== 0) break
      this.waiters.shift()
      this.unacked += w.n
      w.resolve()
    }
  }

  fail(err: Error): void {
    this.failure ??= err
    for (const w of this.waiters.splice(0)) w.reject(err)
  }
}
