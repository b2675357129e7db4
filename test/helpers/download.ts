/** A call's download (save, export) gathered into one Buffer, for tests that look at the bytes. */
import { Writable } from 'node:stream'
import type { StrataClient } from '../../client/client.js'

export async function downloaded(run: (sink: Writable) => Promise<unknown>): Promise<Buffer> {
  const parts: Buffer[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk)
      cb()
    },
  })
  await run(sink)
  return Buffer.concat(parts)
}

export const saveImages = (c: StrataClient, images: string[]): Promise<Buffer> =>
  downloaded((sink) => c.call('image.save', { images }, { download: sink }))
