/**
 * A real HTTP server on loopback for tests that download (ADD <url>): each path answers what the
 * test put in `routes` (status, headers, body; a function answers by hand, e.g. to stall), and
 * any other path 404. The routes can change between requests. Closed at teardown, with its
 * connections, also when a test failed mid-download.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Answer {
  status?: number
  headers?: Record<string, string>
  body?: string | Buffer
}

export type Route = Answer | ((req: IncomingMessage, res: ServerResponse) => void)

export interface FileServer {
  /** `http://127.0.0.1:port` */
  base: string
  routes: Map<string, Route>
  /** Requests per path so far. */
  hits: Map<string, number>
}

interface Teardown {
  teardown(fn: () => void | Promise<void>): void
}

export async function serveFiles(t: Teardown, routes: Record<string, Route> = {}): Promise<FileServer> {
  const s: Omit<FileServer, 'base'> = { routes: new Map(Object.entries(routes)), hits: new Map() }
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    s.hits.set(path, (s.hits.get(path) ?? 0) + 1)
    const route = s.routes.get(path) ?? { status: 404, body: 'not here\n' }
    if (typeof route === 'function') return route(req, res)
    res.writeHead(route.status ?? 200, route.headers ?? {})
    res.end(route.body ?? '')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(
    () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  )
  return { ...s, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

/** A loopback URL nothing listens on: a port that was free a moment ago. */
export async function deadUrl(path = '/x'): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}${path}`
}
