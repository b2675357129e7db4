/**
 * One RPC call from a separate process (so tests can run it as another uid with setpriv):
 *   node rpc-call.js SOCKET METHOD PARAMS_JSON
 * prints {"result": …} or {"code": …, "message": …} as one JSON line.
 */
import { StrataClient } from '../../client/client.js'
import { StrataError } from '../../client/protocol.js'

const [socket, method, params] = process.argv.slice(2)
let client: StrataClient | undefined
try {
  client = await StrataClient.connect({ socket })
  const result = await client.callRaw(method ?? '', JSON.parse(params ?? '{}'))
  process.stdout.write(`${JSON.stringify({ result })}\n`)
} catch (err) {
  if (!(err instanceof StrataError)) throw err
  process.stdout.write(`${JSON.stringify({ code: err.code, message: err.message })}\n`)
} finally {
  client?.close()
}
