// The id rule on every write path over HTTP: ids that /api/<route>/<id> could not read back are
// refused with a 400 naming the item (or line) and the rule, whatever the model's id schema says.
import t from 'tap'
import { request } from 'node:http'
import Fastify from 'fastify'
import { Type } from 'typebox'
import { guardReservedSegments } from '../../routes/reserved-segments.js'
import { defineModel } from '../../src/model/model.js'
import { build } from '../helper.js'

// a model as a new user writes it: no bounds on the id
const model = defineModel({ entities: { Note: { schema: Type.Object({ id: Type.String(), text: Type.String() }) } } })
const NDJSON = { 'content-type': 'application/x-ndjson' }
const long = 'x'.repeat(257)
const bad: Array<[string, RegExp]> = [
  ['', /an id must not be empty/],
  [long, /an id has at most 256 characters; this one has 257/],
  ['.', /the id '\.' is reserved \(URLs resolve '\.' away\)/],
  ['..', /the id '\.\.' is reserved/],
  ['stream', /the id 'stream' is reserved \(\/api\/<route>\/stream is a route of its own\)/],
  ['import', /the id 'import' is reserved/]
]

for (const store of ['sqlite::memory:', 'memory:']) {
  t.test(`POST refuses each bad id, naming the item and the rule (${store})`, async t => {
    const app = await build(t, { model, env: { DATABASE_URL: store } })
    for (const [id, rule] of bad) {
      const one = await app.inject({ method: 'POST', url: '/api/notes', payload: { id, text: 'a' } })
      t.equal(one.statusCode, 400, `id of ${id.length} characters`)
      t.equal(one.headers['content-type'], 'application/problem+json; charset=utf-8')
      t.match(one.json(), {
        type: 'urn:relata:problem:validation-failed',
        detail: rule,
        errors: [{ path: '/id', message: rule }]
      })
      const payload = [{ id: 'ok', text: 'a' }, { id, text: 'b' }]
      const many = await app.inject({ method: 'POST', url: '/api/notes', payload })
      const errors = [{ path: '/1/id', message: rule }]
      t.match(many.json(), { status: 400, detail: /^invalid id at \/1\/id: /, errors })
    }
    t.equal((await app.inject('/api/notes')).headers['x-total-count'], '0', 'nothing was written')
    const fine = await app.inject({ method: 'POST', url: '/api/notes', payload: { id: 'y'.repeat(256), text: 'a' } })
    t.equal(fine.statusCode, 201, '256 characters are fine')
    t.equal((await app.inject(`/api/notes/${'y'.repeat(256)}`)).statusCode, 200, 'and read back')
  })
}

t.test('PUT refuses a reserved or too long id in the path', async t => {
  const app = await build(t, { model })
  for (const id of ['import', 'stream']) {
    const res = await app.inject({ method: 'PUT', url: `/api/notes/${id}`, payload: { text: 'a' } })
    t.equal(res.statusCode, 400, id)
    t.match(res.json(), { detail: `invalid id at /id: the id '${id}' is reserved`, errors: [{ path: '/id' }] })
  }
  // URL parsers (inject's too) resolve dot segments: only a raw request carries them
  const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }))
  for (const id of ['.', '..']) {
    const res = await rawPut(url, `/api/notes/${id}`, '{"text":"a"}')
    t.equal(res.status, 400, id)
    const detail = `invalid id at /id: the id '${id}' is reserved (URLs resolve '${id}' away)`
    t.match(JSON.parse(res.body), { detail })
  }
  const tooLong = await app.inject({ method: 'PUT', url: `/api/notes/${long}`, payload: { text: 'a' } })
  t.equal(tooLong.statusCode, 414, 'the router refuses a path id over 256 characters')
  t.equal((await app.inject('/api/notes')).headers['x-total-count'], '0')
})

t.test('an NDJSON import rejects the lines with bad ids and stores the others', async t => {
  const app = await build(t, { model })
  const lines = bad.map(([id]) => JSON.stringify({ id, text: 'x' }))
  const body = [JSON.stringify({ id: 'n1', text: 'kept' }), ...lines].join('\n')
  const res = await app.inject({ method: 'POST', url: '/api/notes/import', headers: NDJSON, payload: body })
  t.equal(res.statusCode, 200)
  const report = res.json()
  t.match(report, { lines: bad.length + 1, stored: 1, rejected: bad.length })
  bad.forEach(([, rule], i) => {
    t.match(report.rejections[i], { line: i + 2, reason: rule, errors: [{ path: '/id', message: rule }] })
  })
})

t.test('the OpenAPI document states the rule on ids in bodies and paths', async t => {
  const app = await build(t, { model })
  const spec = (await app.inject('/openapi.json')).json()
  const rule = { minLength: 1, maxLength: 256, not: { enum: ['.', '..', 'stream', 'import'] } }
  t.match(spec.components.schemas.NoteInput.properties.id, rule)
  const put = spec.paths['/api/notes/{id}'].put.parameters.find((p: { in: string }) => p.in === 'path')
  t.match(put.schema, rule)
})

async function rawPut (url: URL, path: string, body: string): Promise<{ status: number, body: string }> {
  return await new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json' }
    const req = request({ host: url.hostname, port: url.port, path, method: 'PUT', headers })
    req.on('error', reject)
    req.on('response', res => {
      let text = ''
      res.setEncoding('utf8')
        .on('data', chunk => { text += chunk })
        .on('end', () => resolve({ status: res.statusCode!, body: text }))
    })
    req.end(body)
  })
}

t.test('a fixed sub-route that would hide an id the writes accept stops the start', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  guardReservedSegments(app, ['notes'])
  for (const url of ['/api/notes/stream', '/api/notes/import', '/api/notes/:id', '/api/other/export', '/health']) {
    app.get(url, async () => 'ok')
  }
  t.throws(() => app.get('/api/notes/export', async () => 'ok'), {
    message: /route GET \/api\/notes\/export hides the document whose id is 'export': add the segment to RESERVED_IDS/
  })
})

t.test('the app registers no fixed sub-route beside the reserved ones', async t => {
  // build() would fail if it did: the guard is installed before the entity routes
  const app = await build(t)
  t.ok(app.hasRoute({ method: 'GET', url: '/api/customers/stream' }))
  t.ok(app.hasRoute({ method: 'POST', url: '/api/customers/import' }))
})
