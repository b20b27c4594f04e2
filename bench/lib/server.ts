// The server child of every bench: one Fastify server per process, so that the load generator
// in the parent never shares the server's event loop. Started by child.ts with an IPC channel;
// announces its port, answers peak-RSS questions and stops when told or when the parent goes.
//   BENCH_SERVER=app    the Relata app from buildApp (DATABASE_URL names the store)
//   BENCH_SERVER=bare   a bare Fastify route answering the bytes of BENCH_BODY_FILE, with the
//                       headers of BENCH_HEADERS_FILE (a JSON object) when it is set
//   BENCH_SERVER=naive  a bare Fastify route enriching a page of orders the N+1 way
//   BENCH_SERVER=json-server  json-server 0.17 on BENCH_ORDERS sample orders, in memory
//   BENCH_SERVER=limit  the hand-written limit on the SQLite file of DATABASE_URL (limit-server.ts)
//   BENCH_SERVER=pg-limit  the hand-written PostgreSQL route on DATABASE_URL (pg-limit-server.ts)
// BENCH_STORE_LATENCY_MS (app, naive) delays every store round trip, as a networked store would;
// BENCH_STORE_LOOKUPS=per-key (app) splits every lookup into one round trip per value (per-key-store.ts).
// BENCH_LADDER=1 (app) adds the routes of bench/ladder.ts (ladder-routes.ts).
// BENCH_WITHOUT (app) leaves parts of the request path out (a comma list of MEASURED_PARTS), and
// BENCH_LOG_LEVEL (app) gives the app a pino logger at that level instead of none (bench/hooks.ts).
// first, as in plugins/server.ts: the app's process pins a tick object (plugins/tick-object-maps.ts)
import '../../plugins/tick-object-maps.js'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import { buildApp, MEASURED_PARTS, type MeasuredPart } from '../../plugins/app.js'
import { loadConfig } from '../../src/config.js'
import { ladderRoutes } from './ladder-routes.js'
import { limitServer } from './limit-server.js'
import { naiveServer } from './naive-server.js'
import { pgLimitServer } from './pg-limit-server.js'
import { perKeyStoreOpener } from './per-key-store.js'
import { remoteStoreOpener } from './remote-store.js'

export type ToChild = { type: 'usage' } | { type: 'stop' }
export type FromChild =
  | { type: 'listening', port: number }
  | { type: 'usage', maxRssBytes: number, rssBytes: number, cpuMicros: number }
  | { type: 'failed', message: string }

/** A child that outlives a crashed bench would hold a core; none runs longer than this. */
const MAX_LIFETIME_MS = Number(process.env.BENCH_CHILD_MAX_MS ?? 45 * 60_000)

function send (message: FromChild): void {
  process.send?.(message)
}

function usage (): FromChild {
  const { maxRSS, userCPUTime, systemCPUTime } = process.resourceUsage()
  const rssBytes = process.memoryUsage.rss()
  return { type: 'usage', maxRssBytes: maxRSS * 1024, rssBytes, cpuMicros: userCPUTime + systemCPUTime }
}

async function bareServer (): Promise<FastifyInstance> {
  const file = process.env.BENCH_BODY_FILE
  if (file === undefined) throw new Error('BENCH_BODY_FILE is not set')
  const body = readFileSync(file)
  const headersFile = process.env.BENCH_HEADERS_FILE
  const headers =
    headersFile === undefined ? {} : (JSON.parse(readFileSync(headersFile, 'utf8')) as Record<string, string>)
  const app = Fastify({ logger: false })
  app.get('/api/orders/:id', async function precomputed (_request, reply) {
    return reply.headers(headers).type('application/json; charset=utf-8').send(body)
  })
  return app
}

const STORE_LATENCY_MS = Number(process.env.BENCH_STORE_LATENCY_MS ?? 0)

function without (): Set<MeasuredPart> {
  const names = (process.env.BENCH_WITHOUT ?? '').split(',').filter(name => name !== '')
  for (const name of names) {
    if (!(MEASURED_PARTS as readonly string[]).includes(name)) {
      throw new Error(`BENCH_WITHOUT: unknown part '${name}'; known: ${MEASURED_PARTS.join(', ')}`)
    }
  }
  return new Set(names as MeasuredPart[])
}

async function appServer (): Promise<FastifyInstance> {
  const level = process.env.BENCH_LOG_LEVEL
  const config = loadConfig({ ...process.env, LOG_LEVEL: level ?? 'silent', SEED: 'false' })
  const opener = STORE_LATENCY_MS > 0
    ? remoteStoreOpener(STORE_LATENCY_MS)
    : process.env.BENCH_STORE_LOOKUPS === 'per-key' ? perKeyStoreOpener() : undefined
  return await buildApp(config, {
    logger: level === undefined ? false : { level },
    without: without(),
    ...(process.env.BENCH_LADDER === '1'
      ? { routes: ladderRoutes((process.env.DATABASE_URL ?? '').replace(/^sqlite:/, '')) }
      : {}),
    ...(opener === undefined ? {} : { openStore: opener })
  })
}

interface Listening {
  server: Server
  close: () => Promise<void>
}

async function listen (kind: string): Promise<Listening> {
  if (kind === 'json-server') {
    const { jsonServerApp } = await import('./json-server-app.js')
    const server = jsonServerApp(Number(process.env.BENCH_ORDERS ?? 10_000))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return { server, close: () => new Promise(resolve => { server.close(() => resolve()) }) }
  }
  const app =
    kind === 'bare'
      ? await bareServer()
      : kind === 'naive'
        ? await naiveServer(process.env.DATABASE_URL ?? '', STORE_LATENCY_MS)
        : kind === 'limit'
          ? await limitServer((process.env.DATABASE_URL ?? '').replace(/^sqlite:/, ''),
            Number(process.env.STREAM_BATCH_SIZE ?? 500))
          : kind === 'pg-limit'
            ? await pgLimitServer(process.env.DATABASE_URL ?? '', Number(process.env.PG_POOL_SIZE ?? 10))
            : await appServer()
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { server: app.server, close: () => app.close() }
}

async function start (): Promise<void> {
  const app = await listen(process.env.BENCH_SERVER ?? 'app')
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')

  let stopping = false
  async function stop (): Promise<void> {
    if (stopping) return
    stopping = true
    app.server.closeAllConnections()
    await app.close().catch(() => {})
    // A normal exit, so that --cpu-prof writes its profile.
    process.exit(0)
  }
  // the handlers cannot await: a failed stop still ends the child, with the reason on stderr
  const stopNow = (): void => {
    stop().catch(err => { console.error(err); process.exit(1) })
  }
  process.on('message', (message: ToChild) => {
    if (message.type === 'usage') send(usage())
    else if (message.type === 'stop') stopNow()
  })
  process.on('disconnect', stopNow)
  process.on('SIGTERM', stopNow)
  setTimeout(stopNow, MAX_LIFETIME_MS).unref()
  send({ type: 'listening', port: address.port })
}

start().catch(err => {
  send({ type: 'failed', message: err instanceof Error ? err.stack ?? err.message : String(err) })
  console.error(err)
  process.exit(1)
})
