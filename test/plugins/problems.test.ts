// The catalogue of problem types: the README's table lists exactly the catalogue, and every type
// in it is what the server answers for its case, raised by the model, a route, authentication,
// Fastify or one of its plugins.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import type { LightMyRequestResponse } from 'fastify'
import { CancelledError, StoreUnavailableError } from '../../src/errors.js'
import { openStore } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'
import { PROBLEM_TYPES, type ProblemName } from '../../routes/problem-types.js'
import { build } from '../helper.js'
import { keyRefsModel } from '../key-refs-model.js'
import { keysModel } from '../keys-model.js'
import { integrityModel } from '../integrity-model.js'
import { sourceModel } from '../sources/source-model.js'

/** The rows of the README's problem type table: name → status and title. */
async function readmeTable (): Promise<Map<string, { status: number, title: string }>> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
  const rows = new Map<string, { status: number, title: string }>()
  for (const m of readme.matchAll(/^\| `([a-z-]+)` \| (\d{3}) \| ([^|]+) \|/gm)) {
    rows.set(m[1]!, { status: Number(m[2]), title: m[3]!.trim() })
  }
  return rows
}

t.test('the README table lists exactly the catalogue', async t => {
  const table = await readmeTable()
  const catalogue = new Map(Object.entries(PROBLEM_TYPES).map(([name, { status, title }]) => [name, { status, title }]))
  t.same(Object.fromEntries(table), Object.fromEntries(catalogue))
})

/** A store whose reads fail: with a plain error (a bug) or as unavailable. */
function failing (store: Store, error: () => Error): Store {
  return new Proxy(store, {
    get (target, property) {
      if (property === 'get') return async () => { throw error() }
      const value: unknown = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}

t.test('every type of the catalogue is answered for its case', async t => {
  const seen = new Set<ProblemName>()
  async function expect (name: ProblemName, res: LightMyRequestResponse, detail: RegExp): Promise<void> {
    const { status, title } = PROBLEM_TYPES[name]
    t.equal(res.statusCode, status, name)
    t.match(res.headers['content-type'], /^application\/problem\+json/, name)
    t.match(res.json(), { type: `urn:relata:problem:${name}`, title, status, detail }, name)
    seen.add(name)
  }
  const app = await build(t, { env: { SEED: 'true', BODY_LIMIT: '1024', ROW_BUDGET: '10' } })
  const get = (url: string) => app.inject(url)
  const post = (payload: string, type = 'application/json') =>
    app.inject({ method: 'POST', url: '/api/customers', headers: { 'content-type': type }, payload })
  await expect('bad-request', await get('/api/orders?sort=nope'), /unknown sort property 'nope'|nope/)
  await expect('bad-request', await get('/api/orders/%E0%A4%A'), /not a valid url component: percent-encode/)
  await expect('invalid-json', await post('{"name":'), /not valid JSON/)
  await expect('validation-failed', await post('{"name":"x","email":5}'), /email/)
  await expect('not-found', await get('/api/orders/nope'), /Order 'nope' does not exist/)
  await expect('no-route', await get('/api/nope'), /no route GET \/api\/nope/)
  await expect('body-too-large', await post(JSON.stringify({ name: 'x'.repeat(2000) })), /larger than 1024 bytes/)
  await expect('uri-too-long', await get(`/api/orders/${'x'.repeat(300)}`), /longer than 256 characters/)
  await expect('unsupported-media-type', await post('{}', 'text/plain'), /takes application\/json/)
  await expect('row-budget-exceeded', await get('/api/customers/cust-1?with=all'), /related documents/)

  const keyed = await build(t, { env: { API_KEYS: 'reader-key-0123456789:read' } })
  await expect('unauthorized', await keyed.inject('/api/orders'), /needs an API key/)
  await expect(
    'forbidden',
    await keyed.inject({ method: 'DELETE', url: '/api/orders/x', headers: { 'x-api-key': 'reader-key-0123456789' } }),
    /may only read/
  )

  const strict = await build(t, { model: integrityModel })
  const orphan = await strict.inject({ method: 'POST', url: '/api/orders', payload: { customerId: 'gone', total: 1 } })
  await expect('missing-parent', orphan, /Customer 'gone' does not exist/)

  const sourced = await build(t, { model: sourceModel })
  await sourced.inject({ method: 'POST', url: '/api/customers?source=crm', payload: { id: '1', name: 'A' } })
  await sourced.inject({ method: 'POST', url: '/api/customers?source=crm', payload: { id: '2', name: 'B' } })
  const linkTaken = await sourced.inject({
    method: 'POST', url: '/api/_links/customers', payload: { source: 'crm', sourceId: '1', id: 'crm:2' }
  })
  await expect('link-conflict', linkTaken, /source 'crm' id '1' is already linked to 'crm:1', not 'crm:2'/)

  const unique = await build(t, { model: keysModel })
  await unique.inject({ method: 'POST', url: '/api/products', payload: { id: 'p1', sku: 'A' } })
  const taken = await unique.inject({ method: 'POST', url: '/api/products', payload: { id: 'p2', sku: 'A' } })
  await expect('key-conflict', taken, /Product 'p1' holds it/)

  const byKey = await build(t, { model: keyRefsModel })
  await byKey.inject({ method: 'POST', url: '/api/products', payload: { id: 'p1', sku: 'A' } })
  await byKey.inject({ method: 'POST', url: '/api/order-lines', payload: { id: 'l1', productSku: 'A' } })
  const inUse = await byKey.inject({ method: 'PATCH', url: '/api/products/p1', payload: { sku: 'B' } })
  await expect('key-in-use', inUse, /OrderLine 'l1' references it/)

  const limited = await build(t, { env: { RATE_LIMIT_MAX: '1' } })
  await limited.inject('/api/orders')
  const refused = await limited.inject('/api/orders')
  await expect('rate-limited', refused, /Rate limit exceeded.*Retry-After/)
  t.ok(refused.headers['retry-after'], 'rate-limited says when to retry')

  const broken = await build(t, {
    openStore: async (url, options) => failing(await openStore(url, options), () => new Error('disk on fire'))
  })
  const internal = await broken.inject('/api/orders/x')
  await expect('internal', internal, /unexpected error/)
  t.notMatch(internal.body, /disk on fire/, 'the internal message stays in the log')

  const down = await build(t, {
    openStore: async (url, options) =>
      failing(await openStore(url, options), () => new StoreUnavailableError('sqlite store: gone'))
  })
  const unavailable = await down.inject('/api/orders/x')
  await expect('store-unavailable', unavailable, /gone/)
  t.equal(unavailable.headers['retry-after'], '5')

  // what the server would have answered a client that left (a real disconnect: test/reliability)
  const left = await build(t, {
    openStore: async (url, options) =>
      failing(await openStore(url, options), () => new CancelledError('sqlite store: get on \'Order\' was cancelled'))
  })
  await expect('client-closed-request', await left.inject('/api/orders/x'), /was cancelled/)

  // under-pressure samples the heap once a second: wait for a sample over a 1 MB limit
  const shedding = await build(t, { env: { PRESSURE_MAX_HEAP_MB: '1' } })
  let shed = await shedding.inject('/api/orders')
  for (let i = 0; i < 30 && shed.statusCode !== 503; i++) {
    await new Promise(resolve => setTimeout(resolve, 100))
    shed = await shedding.inject('/api/orders')
  }
  await expect('overloaded', shed, /overloaded/)

  t.same([...seen].sort(), Object.keys(PROBLEM_TYPES).sort(), 'every type of the catalogue was answered')
})
