// What the read routes do per request, on every store, over real keep-alive connections: no
// AbortSignal per request (one per connection, which its reads share and which a client that
// leaves aborts), one parse per distinct query string, and round trips still counted in the
// metrics scrape after scrape.
import t from 'tap'
import { Agent, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { shop, STORES } from '../support/shop.js'
import { storeQueries } from '../helper.js'

/** GETs `paths` in turn over one keep-alive connection; the statuses and bodies. */
async function overOneConnection (base: string, paths: readonly string[]): Promise<Array<[number, string]>> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const answers: Array<[number, string]> = []
  try {
    for (const path of paths) {
      answers.push(await new Promise((resolve, reject) => {
        request(base + path, { agent }, res => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => { body += chunk })
          res.on('end', () => resolve([res.statusCode!, body]))
        }).on('error', reject).end()
      }))
    }
  } finally {
    agent.destroy()
  }
  return answers
}

/** Counts the AbortControllers made while `fn` runs (the server's: the client here makes none). */
async function abortControllersMade (fn: () => Promise<unknown>): Promise<number> {
  const Original = globalThis.AbortController
  let made = 0
  globalThis.AbortController = class Counted extends Original {
    constructor () {
      super()
      made++
    }
  }
  try {
    await fn()
  } finally {
    globalThis.AbortController = Original
  }
  return made
}

async function listen (t: Test, app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.server.closeAllConnections())
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

for (const url of STORES) {
  t.test(`${url}: reads make no AbortSignal per request, one per connection`, async t => {
    const app = await shop(t, url)
    const base = await listen(t, app)
    const paths = Array.from({ length: 10 }, (_, i) => [
      `/api/orders/ord-${i + 1}`,
      `/api/orders/ord-${i + 1}?with=all`,
      `/api/orders?with=all&size=5&page=${i + 1}`
    ]).flat()
    let answers: Array<[number, string]> = []
    const made = await abortControllersMade(async () => { answers = await overOneConnection(base, paths) })
    t.same(answers.map(([status]) => status), paths.map(() => 200), 'every read answers 200')
    t.equal(JSON.parse(answers[0]![1]).id, 'ord-1')
    t.equal(JSON.parse(answers[1]![1]).entity.id, 'ord-1')
    t.ok(made <= 2, `30 reads over one connection made ${made} AbortControllers (the connection's, and the ` +
      'store timeout\'s that follows it)')
  })
}

t.test('the same query string is parsed once per route, and answered the same each time', async t => {
  const app = await shop(t, 'memory:')
  const api = app.relata.entity('Order')
  const parse = api.parse.bind(api)
  let parsed = 0
  api.parse = (...args) => { parsed++; return parse(...args) }
  const first = await app.inject('/api/orders/ord-1?with=customerId&fields=status')
  for (const id of ['ord-1', 'ord-2', 'ord-1']) {
    const res = await app.inject(`/api/orders/${id}?with=customerId&fields=status`)
    t.equal(res.statusCode, 200)
    if (id === 'ord-1') t.equal(res.body, first.body, 'the same answer')
  }
  t.equal(parsed, 1, 'once: the id is in the path, not the query string')
  t.same(Object.keys(first.json().entity).sort(), ['id', 'status'], 'fields applied')
  t.same(Object.keys(first.json().parents), ['customerId'], 'with applied')
  const refused = await app.inject('/api/orders/ord-1?with=nope')
  t.equal(refused.statusCode, 400)
  t.match(refused.json(), { type: /bad-request|invalid/, detail: /nope/ })
  t.equal((await app.inject('/api/orders/ord-1?with=nope')).statusCode, 400, 'a refused query is refused again')
})

t.test('round trips are counted scrape after scrape', async t => {
  const app = await shop(t, 'sqlite::memory:')
  const before = await storeQueries(app, { entity: 'Order', op: 'get' })
  for (let i = 1; i <= 3; i++) t.equal((await app.inject(`/api/orders/ord-${i}`)).statusCode, 200)
  t.equal(await storeQueries(app, { entity: 'Order', op: 'get' }), before + 3)
  t.equal(await storeQueries(app, { entity: 'Order', op: 'get' }), before + 3, 'a scrape counts nothing twice')
  await app.inject('/api/orders/ord-4')
  const scraped = await app.inject('/metrics')
  t.match(scraped.body, new RegExp(`relata_store_queries_total\\{entity="Order",op="get"\\} ${before + 4}\\n`))
})
