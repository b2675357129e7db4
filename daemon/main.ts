#!/usr/bin/env node
/**
 * stratad: wiring only. Config -> data root -> database (its lock keeps a second daemon off the
 * root) -> mount recovery -> RPC server on the socket (or systemd's). SIGTERM/SIGINT stop
 * accepting, let calls in flight finish (bounded), close the database and exit; mount workers
 * keep serving.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { methodTable } from './api/index.js'
import type { Services } from './api/services.js'
import { ConfigError, loadConfig, USAGE, type Config } from './config.js'
import { clearStaging, prepareRoot } from './data-root.js'
import { MountSupervisor, type MountRecord } from './mounts/supervisor.js'
import { createLogger, type Logger } from './log.js'
import { groupId } from './rpc/group.js'
import { RpcServer, SocketInUseError, type Listen } from './rpc/server.js'
import { LayerStore } from './layers/layer-store.js'
import { DataRootInUseError, Db } from './store/db.js'
import { Containers } from './containers/containers.js'
import { Runs } from './containers/runs.js'
import { ContainerStore } from './store/containers.js'
import { ImageMounts } from './store/image-mounts.js'
import { ImageStore } from './store/images.js'
import { MetadataQueue } from './store/metadata-queue.js'
import { MountRecords } from './store/mounts.js'

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) return void process.stdout.write(`${USAGE}\n`)
  if (argv.includes('--version')) return void process.stdout.write(`stratad ${VERSION}\n`)
  let config: Config
  try {
    config = loadConfig(argv)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`stratad: ${err.message}\n${USAGE}\n`)
    process.exit(2)
  }
  const log = createLogger(config.logLevel)
  try {
    await run(config, log)
  } catch (err) {
    if (!(err instanceof DataRootInUseError || err instanceof SocketInUseError)) throw err
    log.error(`cannot start: ${err.message}`)
    process.exit(1)
  }
}

async function run(config: Config, log: Logger): Promise<void> {
  prepareRoot(config.root, log)
  const db = await Db.open(config.root, (err) => log.warn('a database file could not be made private', { err }))
  clearStaging(config.root)
  writeFileSync(join(config.root, 'stratad.pid'), `${process.pid}\n`)
  const mounts = new MountSupervisor(new MountRecords<MountRecord>(db), config.root, log.child('mounts'), [
    config.socket,
  ])
  await mounts.recover()
  const layers = new LayerStore(config.root, db, log.child('layers'))
  await layers.reconcile()
  const records = new ContainerStore(db, config.root, layers, log.child('containers'))
  const imageMounts = new ImageMounts(db)
  const usersOf = async (imageId: string) => {
    // In Docker's words: a mounted container is what a running one is to Docker.
    const users = (await records.list())
      .filter((c) => c.imageId === imageId)
      .map((c) => `${c.mount ? 'running' : 'stopped'} container ${c.id.slice(0, 12)}`)
    const m = await imageMounts.get(imageId)
    return m ? [...users, `its mount at ${m.target}`] : users
  }
  const images = new ImageStore(db, layers, usersOf)
  const containers = new Containers({ root: config.root, records, images, imageMounts, layers, mounts })
  const metadata = new MetadataQueue()
  const runs = new Runs({ root: config.root, containers, records, images, metadata, log: log.child('runs') })
  await runs.recover()
  const services: Services = {
    config,
    db,
    mounts,
    layers,
    containers,
    runs,
    images,
    metadata,
    log: log.child('api'),
    version: VERSION,
    startedAt: new Date(),
    rpcStats: () => ({ connections: server.connectionCount, callsInFlight: server.callsInFlight }),
  }
  const gid = groupId(config.group)
  const server = new RpcServer({
    methods: methodTable(services),
    log: log.child('rpc'),
    policy: { gid, groupName: config.group },
    maxFrameBytes: config.maxFrameBytes,
    daemonVersion: VERSION,
  })
  const where = listenTarget(config, gid)
  await server.listen(where)
  log.info('stratad ready', { version: VERSION, root: config.root, socket: 'fd' in where ? 'systemd' : where.path })
  onStopSignal(async (signal) => {
    log.info('stopping', { signal })
    await server.close(config.shutdownTimeoutMs)
    mounts.stop()
    runs.stop()
    await db.close()
    rmSync(join(config.root, 'stratad.pid'), { force: true })
    log.info('stopped')
  })
}

/** systemd socket activation hands us fd 3 (LISTEN_FDS/LISTEN_PID); otherwise we bind the path. */
function listenTarget(config: Config, gid: number | undefined): Listen {
  const activated = process.env.LISTEN_PID === String(process.pid) && Number(process.env.LISTEN_FDS) >= 1
  for (const v of ['LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES']) delete process.env[v]
  return activated ? { fd: 3 } : { path: config.socket, mode: config.socketMode, gid }
}

function onStopSignal(stop: (signal: string) => Promise<void>): void {
  let stopping = false
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return
      stopping = true
      stop(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`stratad: error while stopping: ${String((err as Error)?.stack ?? err)}\n`)
          process.exit(1)
        },
      )
    })
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`stratad: ${String((err as Error)?.stack ?? err)}\n`)
  process.exit(1)
})
