/**
 * The inspect verbs (`inspect`, `image inspect`, `container inspect`): each name looked up in
 * turn, what was found printed once at the end (output.ts renderInspected), and a name not found
 * reported as Docker's CLI reports it ("Error: No such container: x"), after the others.
 * Tests: test/integration/cli-inspect.test.ts
 */
import type { StrataClient } from '../client.js'
import { StrataError } from '../protocol.js'
import { eachReported, type Cli } from './context.js'
import { renderInspected } from './output.js'

export type Lookup = (client: StrataClient, name: string) => Promise<unknown>

/**
 * A daemon's NOT_FOUND as Docker's CLI prints it: "Error: No such image: x", not "Error response
 * from daemon", and naming `name` as it was typed (the daemon's says `x:latest`).
 */
export async function orNotFound<T>(call: Promise<T>, name: string): Promise<T> {
  try {
    return await call
  } catch (err) {
    if (err instanceof StrataError && err.code === 'NOT_FOUND')
      throw new StrataError('NOT_FOUND', err.message.replace(/^(No such \w+): .*$/s, `$1: ${name}`))
    throw err
  }
}

export async function inspectEach(
  cli: Cli,
  client: StrataClient,
  names: string[],
  lookup: Lookup,
  format: string | undefined,
): Promise<void> {
  const found: unknown[] = []
  await eachReported(names, async (name) => {
    found.push(await lookup(client, name))
  })
  cli.out(renderInspected(found, format))
}
