// The drift guard: every response a test's app sends, through app.inject or a real socket, is
// checked against the OpenAPI document that app serves (status declared, content type declared,
// body and each NDJSON line valid, declared headers present and valid). A mismatch fails the test
// that built the app, naming the request and what differs.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { ContractChecker, type SeenResponse } from './contract-checker.js'

type Inject = (options: unknown) => Promise<{
  statusCode: number
  headers: Record<string, unknown>
  rawPayload: Buffer
  raw: { req: { method?: string, url?: string } }
}>

/** Checks every response `app` sends from now on; `t` fails on the first mismatch of each request. */
export function checkContract (t: Test, app: FastifyInstance): void {
  let checker: ContractChecker | undefined
  const checkerOf = () => (checker ??= ContractChecker.of(app.swagger()))
  const check = (seen: SeenResponse) => {
    const problems = checkerOf().check(seen)
    if (problems.length > 0) {
      t.fail(`${seen.method} ${seen.url} → ${seen.status} breaks the OpenAPI contract: ${problems.join('; ')}`)
    }
  }
  const inject = app.inject.bind(app) as unknown as Inject
  const checkedInject = async function checkedInject (options: unknown) {
    const res = await inject(options)
    check({
      method: res.raw.req.method ?? 'GET',
      url: res.raw.req.url ?? '/',
      status: res.statusCode,
      headers: res.headers,
      body: res.rawPayload,
      complete: true
    })
    return res
  }
  // app.inject() without options is the chainable form; only calls with options answer a promise
  app.inject = function injectChecked (this: unknown, ...args: unknown[]) {
    if (args.length !== 1) return (inject as (...a: unknown[]) => unknown)(...args)
    return checkedInject(args[0])
  } as unknown as typeof app.inject
  app.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    // tests time what servers do on sockets (streams, back-pressure): compile now, not when the answer ends
    checkerOf().prepare(req.method ?? 'GET', req.url ?? '/')
    captureSocketResponse(req, res, check)
  })
}

/** Records what Fastify writes to a socket, and checks it once the response ends or is cut. */
function captureSocketResponse (req: IncomingMessage, res: ServerResponse, check: (seen: SeenResponse) => void) {
  const chunks: Buffer[] = []
  const keep = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return
    chunks.push(Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk as string, typeof encoding === 'string' ? encoding as BufferEncoding : 'utf8'))
  }
  // Fastify passes its headers to writeHead, not setHeader: keep them as they go
  const written: Record<string, unknown> = {}
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse
  res.writeHead = function captureHead (...args: unknown[]) {
    const headers = args.find(arg => typeof arg === 'object' && arg !== null && !Array.isArray(arg))
    for (const [name, value] of Object.entries(headers ?? {})) written[name.toLowerCase()] = value
    return writeHead(...args)
  } as typeof res.writeHead
  const write = res.write.bind(res) as (...args: unknown[]) => boolean
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse
  res.write = function captureWrite (...args: unknown[]) {
    keep(args[0], args[1])
    return write(...args)
  } as typeof res.write
  res.end = function captureEnd (...args: unknown[]) {
    keep(args[0], args[1])
    return end(...args)
  } as typeof res.end
  let done = false
  const report = (complete: boolean) => {
    if (done || !res.headersSent) return
    done = true
    check({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      status: res.statusCode,
      headers: { ...res.getHeaders(), ...written },
      body: Buffer.concat(chunks),
      complete
    })
  }
  res.on('finish', () => report(true))
  res.on('close', () => report(false))
}
