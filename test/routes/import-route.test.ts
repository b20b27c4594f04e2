import t from 'tap'
import { Readable } from 'node:stream'
import { StoreUnavailableError } from '../../src/errors.js'
import { openStore } from '../../src/store/open-store.js'
import { build, storeQueries } from '../helper.js'

const NDJSON = { 'content-type': 'application/x-ndjson' }
const customer = (i: number) => JSON.stringify({ id: `c${i}`, name: `Customer ${i}`, email: `c${i}@example.com` })

t.test('valid lines are stored in batches, invalid ones reported by line number', async t => {
  const app = await build(t)
  const lines = [
    customer(1),
    'not json',
    '',
    customer(2),
    '{"id":"c3","name":"No email"}',
    '[1,2]',
    customer(4),
    '{"name":"Gets an id","email":"new@example.com"}'
  ]
  const before = await storeQueries(app, { op: 'upsertMany' })
  const res = await app.inject({
    method: 'POST',
    url: '/api/customers/import?batchSize=2',
    headers: NDJSON,
    payload: lines.join('\n') + '\n'
  })
  t.equal(res.statusCode, 200)
  const report = res.json()
  t.match(report, { lines: 8, stored: 4, rejected: 3, batches: 2, rejectionsTruncated: false })
  t.same(report.rejections.map((r: { line: number }) => r.line), [2, 5, 6])
  t.match(report.rejections[0].reason, /^not JSON/)
  t.match(report.rejections[1], { reason: /Customer failed validation/, errors: [{ path: '', message: /email/ }] })
  t.match(report.rejections[2].reason, 'expected a JSON object')
  t.equal(await storeQueries(app, { op: 'upsertMany' }) - before, 2, 'one upsertMany per batch')
  const page = await app.inject('/api/customers?size=10')
  t.equal(page.headers['x-total-count'], '4')
})

t.test('a repeated id is stored in order: the later line wins', async t => {
  const app = await build(t)
  const body = [customer(1), JSON.stringify({ id: 'c1', name: 'Renamed', email: 'c1@example.com' }), customer(2)].join(
    '\n'
  )
  const res = await app.inject({ method: 'POST', url: '/api/customers/import', headers: NDJSON, payload: body })
  t.match(res.json(), { stored: 3, batches: 2 })
  t.equal((await app.inject('/api/customers/c1')).json().name, 'Renamed')
})

t.test('a body far above BODY_LIMIT streams through in bounded batches', async t => {
  const app = await build(t, { env: { BODY_LIMIT: '65536' } })
  const count = 20_000
  async function * generate () {
    for (let i = 0; i < count; i += 1000) {
      let chunk = ''
      for (let j = i; j < i + 1000; j++) chunk += (j % 997 === 0 ? '{"broken":' : customer(j)) + '\n'
      yield chunk
    }
  }
  const res = await app.inject({
    method: 'POST',
    url: '/api/customers/import?batchSize=10000',
    headers: NDJSON,
    payload: Readable.from(generate())
  })
  const report = res.json()
  const broken = Math.ceil(count / 997)
  t.match(report, { lines: count, stored: count - broken, rejected: broken })
  t.equal(report.batches, Math.ceil((count - broken) / 5000), 'batches are capped at MAX_BULK')
  t.ok(count * 50 > 65536 * 10, 'the body is many times BODY_LIMIT')
})

t.test('a line longer than BODY_LIMIT stops the import and says where to resume', async t => {
  const app = await build(t, { env: { BODY_LIMIT: '2048' } })
  const long = JSON.stringify({ id: 'long', name: 'x'.repeat(4096), email: 'l@example.com' })
  // The line arrives in pieces: the splitter holds at most BODY_LIMIT bytes of it, then gives up.
  const payload = Readable.from([`${customer(1)}\n`, long.slice(0, 3000), long.slice(3000) + '\n', `${customer(2)}\n`])
  const res = await app.inject({ method: 'POST', url: '/api/customers/import?batchSize=1', headers: NDJSON, payload })
  t.equal(res.statusCode, 400)
  const resume = new RegExp('; the import stored (1 documents, from lines 1-1: resume after line 1|' +
    'nothing: start again from line 1)$')
  t.match(res.json().detail, /^a line is longer than 2048 bytes \(BODY_LIMIT\); the import stored /)
  t.match(res.json().detail, resume)
})

t.test('a store failure answers 503 with the line to resume after', async t => {
  let calls = 0
  const app = await build(t, {
    openStore: async (url, options) => {
      const store = await openStore(url, options)
      const upsertMany = store.upsertMany.bind(store)
      store.upsertMany = async (entity, docs) => {
        if (++calls === 2) throw new StoreUnavailableError('sqlite store: disk I/O error')
        return await upsertMany(entity, docs)
      }
      return store
    }
  })
  const body = [1, 2, 3, 4].map(customer).join('\n')
  const res = await app.inject({
    method: 'POST',
    url: '/api/customers/import?batchSize=2',
    headers: NDJSON,
    payload: body
  })
  t.equal(res.statusCode, 503)
  t.match(
    res.json().detail,
    'sqlite store: disk I/O error; the import stored 2 documents, from lines 1-2: resume after line 2'
  )
})

t.test('only NDJSON is accepted', async t => {
  const app = await build(t)
  const json = await app.inject({ method: 'POST', url: '/api/customers/import', payload: { id: 'x' } })
  t.equal(json.statusCode, 415)
  t.match(json.json(), {
    status: 415,
    type: 'urn:relata:problem:unsupported-media-type',
    detail:
      'POST /api/customers/import takes application/x-ndjson, not Content-Type application/json; to write JSON ' +
        'documents, POST them to /api/customers'
  })
  const text = await app.inject({
    method: 'POST',
    url: '/api/customers/import',
    headers: { 'content-type': 'text/plain' },
    payload: 'x'
  })
  t.equal(text.statusCode, 415)
})

t.test('without batchSize, a file of any size is stored in batches of at most MAX_BULK', async t => {
  const app = await build(t, { env: { MAX_BULK: '10' } })
  const body = Array.from({ length: 25 }, (_, i) => customer(i)).join('\n')
  const res = await app.inject({ method: 'POST', url: '/api/customers/import', headers: NDJSON, payload: body })
  t.equal(res.statusCode, 200, res.body)
  t.match(res.json(), { lines: 25, stored: 25, rejected: 0, batches: 3 })
})

t.test('a batchSize that is not a positive integer is a 400 naming it', async t => {
  const app = await build(t)
  for (const value of ['0', 'abc', '1.5', '-3']) {
    const url = `/api/customers/import?batchSize=${value}`
    const res = await app.inject({ method: 'POST', url, headers: NDJSON, payload: customer(1) })
    t.equal(res.statusCode, 400, value)
    const errors = [{ path: '/querystring/batchSize' }]
    t.match(res.json(), { type: 'urn:relata:problem:bad-request', detail: /querystring/, errors })
  }
  t.equal((await app.inject('/api/customers')).headers['x-total-count'], '0', 'nothing was imported')
})

t.test('a store failure before anything was stored says to start from line 1', async t => {
  const app = await build(t, {
    openStore: async (url, options) => {
      const store = await openStore(url, options)
      store.upsertMany = async () => { throw new StoreUnavailableError('sqlite store: disk I/O error') }
      return store
    }
  })
  const res = await app.inject({ method: 'POST', url: '/api/customers/import', headers: NDJSON, payload: customer(1) })
  t.equal(res.statusCode, 503)
  t.equal(res.json().detail, 'sqlite store: disk I/O error; the import stored nothing: start again from line 1')
})
