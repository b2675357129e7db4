/**
 * The strata command tree: every verb and group, with Docker's names at the top (`images`,
 * `rmi`, `ps`) and under `image` / `container`. Global options (-H/--host) are read before the
 * command only, as Docker reads them, so a verb's own -H (history --human) is never taken.
 * Tests: test/unit/client/cli/docker-flags.test.ts, test/integration/cli.test.ts
 */
import type { Command } from 'commander'
import { createCli, type Cli } from './context.js'
import { StrataCommand } from './docker-flags.js'
import { registerOverlayLs } from './commands/overlay/ls.js'
import { registerOverlayMount } from './commands/overlay/mount.js'
import { registerOverlayRm } from './commands/overlay/rm.js'
import { registerBuild } from './commands/image/build.js'
import { registerHistory } from './commands/image/history.js'
import { registerImport } from './commands/image/import.js'
import { registerImageInspect } from './commands/image/inspect.js'
import { registerContainerInspect } from './commands/container/inspect.js'
import { registerInspect } from './commands/system/inspect.js'
import { registerImageLs } from './commands/image/ls.js'
import { registerCommit } from './commands/container/commit.js'
import { registerCreate } from './commands/container/create.js'
import { registerDiff } from './commands/container/diff.js'
import { registerExport } from './commands/container/export.js'
import { registerContainerLs } from './commands/container/ls.js'
import { registerMount } from './commands/container/mount.js'
import { registerContainerRm } from './commands/container/rm.js'
import { registerUnmount } from './commands/container/unmount.js'
import { registerExec } from './commands/container/exec.js'
import { registerLogs } from './commands/container/logs.js'
import { registerRun } from './commands/container/run.js'
import { registerStart } from './commands/container/start.js'
import { registerKill, registerStop } from './commands/container/stop.js'
import { registerWait } from './commands/container/wait.js'
import { registerImageMount } from './commands/image/mount.js'
import { registerImagePrune } from './commands/image/prune.js'
import { registerPull } from './commands/image/pull.js'
import { registerPush } from './commands/image/push.js'
import { registerImageRm } from './commands/image/rm.js'
import { registerLayerWhy } from './commands/layer/why.js'
import { registerDf } from './commands/system/df.js'
import { registerFsck } from './commands/system/fsck.js'
import { registerLoad } from './commands/image/load.js'
import { registerSave } from './commands/image/save.js'
import { registerTag } from './commands/image/tag.js'
import { registerLogin } from './commands/registry/login.js'
import { registerLogout } from './commands/registry/logout.js'
import { registerInfo } from './commands/system/info.js'
import { registerVersion } from './commands/system/version.js'
import { CLI_VERSION } from './version.js'

export function buildProgram(): Command {
  const program = new StrataCommand('strata')
    .description('Layers, images and root filesystems over FUSE, served by stratad')
    .option('-H, --host <socket>', 'Daemon socket to connect to (PATH or unix://PATH)')
    .version(`strata version ${CLI_VERSION}`, '--version', 'Print version information and quit')
    .enablePositionalOptions()
    .exitOverride()
    .showSuggestionAfterError()
  const cli = createCli(program)
  registerVersion(program, cli)
  registerInfo(program, cli)
  registerImageVerbs(program, cli, 'top')
  registerInspect(program, cli)
  const image = program.command('image').description('Manage images')
  registerImageVerbs(image, cli, 'group')
  registerImagePrune(image, cli)
  registerImageMount(image, cli)
  registerContainerVerbs(program, cli, 'top')
  registerContainerVerbs(program.command('container').description('Manage containers'), cli, 'group')
  registerFsck(program, cli)
  registerLogin(program, cli)
  registerLogout(program, cli)
  const system = program.command('system').description('Manage strata')
  registerInfo(system, cli)
  registerDf(system, cli)
  registerLayerWhy(program.command('layer').description('Inspect layers'), cli)
  const overlay = program.command('overlay').description('Mount directories in overlayfs format (root only)')
  registerOverlayMount(overlay, cli)
  registerOverlayLs(overlay, cli)
  registerOverlayRm(overlay, cli)
  return program
}

/** Docker's image verbs, both at the top (`strata images`, `strata rmi`) and under `strata image` (`ls`, `rm`). */
function registerImageVerbs(parent: Command, cli: Cli, where: 'top' | 'group'): void {
  registerImageLs(parent, cli, where === 'top' ? 'images' : 'ls')
  registerImport(parent, cli)
  registerTag(parent, cli)
  registerImageRm(parent, cli, where === 'top' ? 'rmi' : 'rm')
  registerHistory(parent, cli)
  if (where === 'group') registerImageInspect(parent, cli)
  registerLoad(parent, cli)
  registerSave(parent, cli)
  registerPull(parent, cli)
  registerPush(parent, cli)
  registerBuild(parent, cli)
}

/** Container verbs, at the top (`strata ps`, `strata rm`) and under `strata container` (`ls`, `rm`). */
function registerContainerVerbs(parent: Command, cli: Cli, where: 'top' | 'group'): void {
  registerCreate(parent, cli)
  registerMount(parent, cli)
  registerUnmount(parent, cli)
  registerContainerLs(parent, cli, where === 'top' ? 'ps' : 'ls')
  registerDiff(parent, cli)
  registerCommit(parent, cli)
  registerContainerRm(parent, cli)
  registerExport(parent, cli)
  registerRun(parent, cli)
  registerStart(parent, cli)
  registerStop(parent, cli)
  registerKill(parent, cli)
  registerWait(parent, cli)
  registerLogs(parent, cli)
  registerExec(parent, cli)
  if (where === 'group') registerContainerInspect(parent, cli)
}
