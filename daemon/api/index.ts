/**
 * The daemon's method table: every RPC method of client/protocol.ts and the file that serves it,
 * each behind the params check (params.ts), so no method runs on params of the wrong shape.
 */
import type { MethodName } from '../../client/protocol.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { checked, type ApiMethod } from './params.js'
import { imageBuild } from './image-build.js'
import { imageHistory } from './image-history.js'
import { imageImport } from './image-import.js'
import { imageInspect } from './image-inspect.js'
import { imageList } from './image-list.js'
import { imageLoad } from './image-load.js'
import { imagePrune } from './image-prune.js'
import { imageRemove } from './image-remove.js'
import { imageSave } from './image-save.js'
import { imageTag } from './image-tag.js'
import { mountCreate } from './mount-create.js'
import { mountList } from './mount-list.js'
import { mountRemove } from './mount-remove.js'
import { containerCommit } from './container-commit.js'
import { containerCreate } from './container-create.js'
import { containerDiff } from './container-diff.js'
import { containerExport } from './container-export.js'
import { containerInspect } from './container-inspect.js'
import { containerList } from './container-list.js'
import { containerMount, containerUnmount } from './container-mount.js'
import { containerRemove } from './container-remove.js'
import { containerExec } from './container-exec.js'
import { containerLogs } from './container-logs.js'
import { containerRun } from './container-run.js'
import { containerStart } from './container-start.js'
import { containerKill, containerStop } from './container-stop.js'
import { containerWait } from './container-wait.js'
import { imageMount, imageUnmount } from './image-mount.js'
import { imagePull } from './image-pull.js'
import { imagePush } from './image-push.js'
import { registryLogin } from './registry-login.js'
import type { Services } from './services.js'
import { layerWhy } from './layer-why.js'
import { systemDf } from './system-df.js'
import { systemFsck } from './system-fsck.js'
import { systemInfo } from './system-info.js'
import { systemPing } from './system-ping.js'
import { systemVersion } from './system-version.js'

export function methodTable(s: Services): Record<MethodName, MethodDef> {
  const api: { [M in MethodName]: ApiMethod<M> } = {
    'system.ping': systemPing(),
    'system.version': systemVersion(s),
    'system.info': systemInfo(s),
    'mount.create': mountCreate(s),
    'mount.remove': mountRemove(s),
    'mount.list': mountList(s),
    'image.import': imageImport(s),
    'image.list': imageList(s),
    'image.tag': imageTag(s),
    'image.remove': imageRemove(s),
    'image.inspect': imageInspect(s),
    'image.history': imageHistory(s),
    'image.load': imageLoad(s),
    'image.save': imageSave(s),
    'image.prune': imagePrune(s),
    'system.df': systemDf(s),
    'system.fsck': systemFsck(s),
    'layer.why': layerWhy(s),
    'container.create': containerCreate(s),
    'container.list': containerList(s),
    'container.mount': containerMount(s),
    'container.unmount': containerUnmount(s),
    'container.diff': containerDiff(s),
    'container.inspect': containerInspect(s),
    'container.commit': containerCommit(s),
    'container.remove': containerRemove(s),
    'container.export': containerExport(s),
    'image.pull': imagePull(s),
    'image.push': imagePush(s),
    'registry.login': registryLogin(s),
    'container.run': containerRun(s),
    'container.start': containerStart(s),
    'container.stop': containerStop(s),
    'container.kill': containerKill(s),
    'container.wait': containerWait(s),
    'container.logs': containerLogs(s),
    'container.exec': containerExec(s),
    'image.mount': imageMount(s),
    'image.unmount': imageUnmount(s),
    'image.build': imageBuild(s),
  }
  const table = {} as Record<MethodName, MethodDef>
  for (const method of Object.keys(api) as MethodName[]) table[method] = checked(method, api[method])
  return table
}
