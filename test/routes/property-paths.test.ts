// Nested property paths in sorts, cursors and filters, over HTTP on every store: `sort` takes
// dotted paths (and an explicit `+`), cursors over them walk and resume exactly, and a path the
// schema rules out (a property an object does not declare, a step into a string, `__proto__`)
// is a 400 naming it and what is valid, never a silent "matches nothing". A forged cursor whose
// key cannot be a value of its property is refused. An entity without relationships answers
// `with=all` with the graph shape all the same.
import t from 'tap'
import { Type } from 'typebox'
import { defineModel, Parent } from '../../src/model/model.js'
import type { Doc } from '../../src/store/store.js'
import { appOn, STORES } from '../support/shop.js'

const Str = Type.String({ minLength: 1 })
const model = defineModel({
  entities: {
    Company: { schema: Type.Object({ id: Str, name: Str }, { additionalProperties: false }) },
    Person: {
      schema: Type.Object({
        id: Str,
        name: Str,
        age: Type.Optional(Type.Integer()),
        companyId: Type.Optional(Parent('Company', Str)),
        address: Type.Optional(Type.Object({
          city: Type.Optional(Str),
          street: Type.Optional(Str),
          geo: Type.Optional(Type.Object({ lat: Type.Number() }))
        }, { additionalProperties: false })),
        // declared open: any nested property may be there
        notes: Type.Optional(Type.Object({}, { additionalProperties: true }))
      }, { additionalProperties: false })
    },
    Tag: { schema: Type.Object({ id: Str, label: Str }, { additionalProperties: false }) }
  }
})

const PEOPLE = [
  { id: 'p1', name: 'Ann', age: 40, companyId: 'c1', address: { city: 'Oslo', geo: { lat: 59.9 } }, notes: { vip: 1 } },
  { id: 'p2', name: 'Bo', age: 31, companyId: 'c1', address: { city: 'Bergen', geo: { lat: 60.4 } } },
  { id: 'p3', name: 'Cy', age: 25 },
  { id: 'p4', name: 'Di', age: 52, address: { street: 'Main St' } },
  { id: 'p5', name: 'Ed', age: 31, address: { city: 'Aachen' }, notes: { vip: false } },
  { id: 'p6', name: 'Flo', address: { city: 'Oslo' } }
]
// missing and null first, then strings in byte order, id breaking ties
const BY_CITY = ['p3', 'p4', 'p5', 'p2', 'p1', 'p6']

function nextLink (link: string | string[] | undefined): string | undefined {
  return /<([^>]+)>; rel="next"/.exec(String(link ?? ''))?.[1]
}

const forged = (body: unknown): string => Buffer.from(JSON.stringify(body)).toString('base64url')
const encoded = (filter: unknown): string => encodeURIComponent(JSON.stringify(filter))

for (const url of [...STORES, 'postgres'] as const) {
  t.test(`${url}: sort by nested properties, with cursors walking and resuming over them`, async t => {
    const app = await appOn(t, url, model)
    await app.relata.entity('Person').upsert(PEOPLE)
    const ids = async (query: string): Promise<string[]> => {
      const res = await app.inject(`/api/people?${query}`)
      t.equal(res.statusCode, 200, query)
      return (res.json() as Doc[]).map(p => p.id)
    }
    t.same(await ids('sort=address.city'), BY_CITY, 'missing and null first, then by city, id breaking ties')
    t.same(await ids('sort=-address.city,age'), ['p6', 'p1', 'p2', 'p5', 'p3', 'p4'],
      'descending, then a second key (missing first)')
    t.same(await ids('sort=address.geo.lat'), ['p3', 'p4', 'p5', 'p6', 'p1', 'p2'], 'two levels down')
    t.same(await ids('sort=notes.vip'), ['p2', 'p3', 'p4', 'p6', 'p5', 'p1'], 'into a property the schema leaves open')
    t.same(await ids(`sort=${encodeURIComponent('+age')},${encodeURIComponent('+id')}`), await ids('sort=age,id'),
      'an explicit + is ascending')

    await app.relata.entity('Company').upsert([{ id: 'c1', name: 'Acme' }])
    const top = '/api/companies/c1?with=Person&sort[Person]=-address.city&limit[Person]=1'
    const company = (await app.inject(top)).json() as {
      children: { Person: { companyId: Doc[] } }
      meta: { children: Record<string, { next: string }> }
    }
    t.same(company.children.Person.companyId.map(p => p.id), ['p1'],
      'sort[Child] by a nested path picks the top child in the store')
    const others = (await app.inject(company.meta.children['Person.companyId']!.next)).json() as Doc[]
    t.same(others.map(p => p.id), ['p2'], 'and its next link continues in that order')

    const walked: string[] = []
    let next: string | undefined = '/api/people?sort=address.city&size=2&cursor=true'
    while (next !== undefined) {
      const res = await app.inject(next)
      t.equal(res.statusCode, 200, next)
      walked.push(...(res.json() as Doc[]).map(p => p.id))
      next = nextLink(res.headers.link)
    }
    t.same(walked, BY_CITY, 'a cursor walk over a nested key sees each document once, in order')

    const lines = (await app.inject('/api/people/stream?sort=-address.city&cursor=true')).body.trim().split('\n')
      .map(line => JSON.parse(line) as { cursor: string, data: Doc })
    const rest = await app.inject(`/api/people/stream?sort=-address.city&after=${lines[2]!.cursor}`)
    const restIds = rest.body.trim().split('\n').map(line => (JSON.parse(line) as Doc).id)
    t.same(restIds, lines.slice(3).map(line => line.data.id),
      'a stream resumes after a line with exactly the rest')
  })

  t.test(`${url}: filters on nested paths the schema allows, 400 on those it rules out`, async t => {
    const app = await appOn(t, url, model)
    await app.relata.entity('Person').upsert(PEOPLE)
    const allowed = { 'address.geo.lat': { $gt: 60 }, 'notes.anything': { $exists: false } }
    const ok = await app.inject(`/api/people?filter=${encoded(allowed)}`)
    t.same([ok.statusCode, (ok.json() as Doc[]).map(p => p.id)], [200, ['p2']], 'declared paths and open ones work')

    const refused: Array<[unknown, string, string]> = [
      [{ 'address.planet': 'Mars' }, '/address.planet',
        "invalid filter: unknown property path 'address.planet': 'address' has no property 'planet'; " +
        'its properties are city, street, geo'],
      [{ companyId: 'c1', 'companyId.name': 'Acme' }, '/companyId.name',
        "invalid filter: unknown property path 'companyId.name': 'companyId' is a string: it has no property 'name'"],
      [{ $or: [{ 'address.__proto__': 'x' }] }, '/$or/0/address.__proto__',
        "invalid filter: unknown property path 'address.__proto__': " +
        "'__proto__' is not a property name (it names the prototype)"],
      [{ 'address.geo.lat.x': 1 }, '/address.geo.lat.x',
        "invalid filter: unknown property path 'address.geo.lat.x': " +
        "'address.geo.lat' is a number: it has no property 'x'"]
    ]
    for (const [filter, path, detail] of refused) {
      const res = await app.inject(`/api/people?filter=${encoded(filter)}`)
      t.equal(res.statusCode, 400, JSON.stringify(filter))
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
      t.match(res.json(), { detail, errors: [{ path }] }, JSON.stringify(filter))
    }
    const stream = await app.inject(`/api/people/stream?filter=${encoded({ 'address.planet': 'Mars' })}`)
    t.equal(stream.statusCode, 400, 'the stream refuses it too')
  })
}

t.test('sort paths the schema rules out are a 400 naming them and what is valid', async t => {
  const app = await appOn(t, 'memory:', model)
  const cases: Array<[string, string]> = [
    ['address.planet',
      "cannot sort by 'address.planet': 'address' has no property 'planet'; its properties are city, street, geo"],
    ['-name.first', "cannot sort by 'name.first': 'name' is a string: it has no property 'first'"],
    ['address.__proto__',
      "cannot sort by 'address.__proto__': '__proto__' is not a property name (it names the prototype)"],
    ['planet.name', "cannot sort by unknown property 'planet.name'; " +
      'sortable properties are id, name, age, companyId, address, notes, ' +
      'and dotted paths into object properties (address.city)']
  ]
  for (const [sort, detail] of cases) {
    const res = await app.inject(`/api/people?sort=${encodeURIComponent(sort)}`)
    t.equal(res.statusCode, 400, sort)
    t.match(res.json(), { detail, errors: [{ path: '/sort' }] }, sort)
  }
})

t.test('a cursor whose key cannot be a value of its sort property is refused', async t => {
  const app = await appOn(t, 'memory:', model)
  await app.relata.entity('Person').upsert(PEOPLE)
  const cursor = (s: string, k: unknown[]): string => forged({ v: 1, e: 'Person', s, k })
  const refused: Array<[string, string, string]> = [
    ['age', cursor('age', ['forty', 'p1']), 'its key for age is a string, which age cannot hold'],
    ['address.city', cursor('address.city', [5, 'p1']),
      'its key for address.city is a number, which address.city cannot hold'],
    ['-age,name', cursor('-age,name', [{ composite: '[1]' }, 'Ann', 'p1']),
      'its key for age is an object or array, which age cannot hold']
  ]
  for (const [sort, after, why] of refused) {
    const res = await app.inject(`/api/people?sort=${sort}&after=${after}`)
    t.equal(res.statusCode, 400, `${sort}: ${why}`)
    const detail = `after: the cursor is not one this server issued for Person (${why}); ` +
      "pass a cursor exactly as this server gave it for Person (a stream line with cursor=true, or a list's next link)"
    t.match(res.json(), { detail, errors: [{ path: '/after' }] })
    t.equal((await app.inject(`/api/people/stream?sort=${sort}&after=${after}`)).statusCode, 400, 'on the stream too')
  }
  const fitting = await app.inject(`/api/people?sort=age&after=${cursor('age', [null, 'p6'])}`)
  t.same([fitting.statusCode, (fitting.json() as Doc[]).map(p => p.id)], [200, ['p3', 'p2', 'p5', 'p1', 'p4']],
    'null fits any property: it may be missing')
  const open = await app.inject(`/api/people?sort=notes.vip&after=${cursor('notes.vip', ['x', 'p1'])}`)
  t.equal(open.statusCode, 200, 'an open property may hold anything')
})

for (const url of [...STORES, 'postgres'] as const) {
  t.test(`${url}: with=all on an entity without relationships answers graphs, as the request asks`, async t => {
    const app = await appOn(t, url, model)
    await app.relata.entity('Tag').upsert([{ id: 't1', label: 'new' }, { id: 't2', label: 'old' }])
    const one = await app.inject('/api/tags/t1?with=all')
    t.same([one.statusCode, one.json()], [200, { entity: { id: 't1', label: 'new' }, parents: {}, children: {} }])
    t.same((await app.inject('/api/tags/t1')).json(), { id: 't1', label: 'new' }, 'without with: the document')
    t.same((await app.inject('/api/tags?with=all')).json(), [
      { entity: { id: 't1', label: 'new' }, parents: {}, children: {} },
      { entity: { id: 't2', label: 'old' }, parents: {}, children: {} }
    ], 'the list')
    const ndjson = async (url: string): Promise<unknown[]> =>
      (await app.inject(url)).body.trim().split('\n').map(line => JSON.parse(line) as unknown)
    const graphs = [
      { entity: { id: 't1', label: 'new' }, parents: {}, children: {} },
      { entity: { id: 't2', label: 'old' }, parents: {}, children: {} }
    ]
    t.same(await ndjson('/api/tags/stream?with=all'), graphs, 'the stream')
    const cursorLines = await ndjson('/api/tags/stream?with=all&cursor=true') as Array<{ data: unknown }>
    t.same(cursorLines.map(line => line.data), graphs, 'the stream with cursors')
    const fields = (await app.inject('/api/tags/t2?with=all&fields=label')).json() as unknown
    t.same(fields, { entity: { id: 't2', label: 'old' }, parents: {}, children: {} }, 'with fields')
    const normalized = (await app.inject('/api/tags/t1?with=all&shape=normalized')).json() as unknown
    const self = '/api/tags/t1?with=all&shape=normalized'
    t.same(normalized, { data: [{ id: 't1', label: 'new' }], included: {}, meta: {}, links: { self } }, 'normalized')
  })
}
