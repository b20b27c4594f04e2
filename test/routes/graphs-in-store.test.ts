// Graphs in one statement on PostgreSQL and SQLite (GRAPHS_IN_STORE): two apps on one database, one
// that lets the store build each GET's and page's graphs in one statement and one that builds them
// in batches, answer hundreds of generated requests (with, depth, paths, fields, child limits
// and orders, counts, cut lists and their links, hidden properties, filters, sorts, pages,
// cursors, shape=normalized) byte for byte alike; the statement path in one round trip.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { Type } from 'typebox'
import { defineModel, Parent } from '../../src/model/model.js'
import { build, countQueries } from '../helper.js'
import { GRAPH_STORES, graphStoreUrl } from '../support/graph-stores.js'

const Str = Type.String({ minLength: 1 })
const Ref = (target: string) => Type.Optional(Parent(target, Type.Union([Str, Type.Null()])))

const model = defineModel({
  entities: {
    Author: {
      schema: Type.Object({ id: Str, name: Str, born: Type.Optional(Type.Integer()), secret: Type.Optional(Str) })
    },
    Book: {
      schema: Type.Object({
        id: Str,
        title: Str,
        authorId: Parent('Author', Str),
        coAuthorId: Ref('Author'),
        royalty: Type.Optional(Type.Number({ 'x-internal': true })),
        tags: Type.Optional(Type.Array(Str)),
        extra: Type.Optional(Type.Unknown())
      })
    },
    Review: {
      schema: Type.Object({
        id: Str,
        bookId: Parent('Book', Str),
        stars: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
        note: Type.Optional(Type.String({ writeOnly: true })),
        text: Type.Optional(Str)
      })
    },
    Employee: {
      schema: Type.Object({ id: Str, name: Str, managerId: Ref('Employee'), salary: Type.Optional(Type.Number()) })
    }
  }
})

/** A small deterministic generator, so that a failure names a request that can be repeated. */
function random (seed: number): () => number {
  let state = seed
  return function next () {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
}

const ODD_TEXTS = ['plain', 'quote " and \\ back', 'line\nbreak\ttab', 'ünïcödé 😀', '\u2028 sep', 'ctl \u0001']

function shop (rand: () => number): Record<string, unknown[]> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!
  const authors = Array.from({ length: 8 }, (_, i) => ({
    name: pick(ODD_TEXTS), id: `a${i}`, ...(i % 3 === 0 ? {} : { born: 1900 + Math.floor(rand() * 100) })
  }))
  const books = Array.from({ length: 30 }, (_, i) => ({
    id: `b${String(i).padStart(2, '0')}`,
    ...(i % 4 === 0 ? { royalty: 0.1 } : {}),
    title: pick(ODD_TEXTS),
    authorId: `a${Math.floor(rand() * 9)}`, // a9 is dangling
    ...(i % 3 === 0 ? { coAuthorId: i % 2 === 0 ? null : `a${Math.floor(rand() * 8)}` } : {}),
    ...(i % 5 === 0 ? { tags: ['x', pick(ODD_TEXTS)] } : {}),
    ...(i % 7 === 0 ? { extra: { z: 1, 'odd "key"\n': [1.5, -0, 1e21, null, { b: true, a: 'é' }] } } : {})
  }))
  const reviews = Array.from({ length: 90 }, (_, i) => ({
    id: `r${String(i).padStart(2, '0')}`,
    bookId: `b${String(Math.floor(rand() * rand() * 31)).padStart(2, '0')}`,
    ...(i % 6 === 0 ? {} : { stars: i % 11 === 0 ? null : 1 + Math.floor(rand() * 5) }),
    ...(i % 4 === 1 ? { note: 'hidden note' } : {}),
    ...(i % 3 === 2 ? { text: pick(ODD_TEXTS) } : {})
  }))
  const employees = Array.from({ length: 15 }, (_, i) => ({
    id: `e${String(i).padStart(2, '0')}`,
    name: pick(ODD_TEXTS),
    ...(i === 0 ? {} : { managerId: `e${String(Math.floor(rand() * i)).padStart(2, '0')}` }),
    ...(i % 2 === 0 ? { salary: 1000 * i } : {})
  }))
  return { authors, books, reviews, employees }
}

interface Route {
  path: string
  ids: string[]
  withs: string[]
  children: string[]
  sorts: string[]
  fields: Record<string, string[]>
  filters: string[]
}

const ROUTES: Route[] = [
  {
    path: 'authors',
    ids: ['a0', 'a3', 'a7', 'a9'],
    withs: ['all', 'Book', 'Book.authorId', 'Book.coAuthorId', 'Book.Review', 'Book.authorId.Review,Book.coAuthorId'],
    children: ['Book', 'Review'],
    sorts: ['', 'name', '-born', 'born,-name'],
    fields: { fields: ['name', 'born'], 'fields[Book]': ['title', 'tags'], 'fields[Book.authorId.Review]': ['stars'] },
    filters: ['', '{"born":{"$gte":1950}}', '{"Book":{"$some":{"tags":{"$exists":true}}}}']
  },
  {
    path: 'books',
    ids: ['b00', 'b05', 'b07', 'b14', 'b29', 'zz'],
    withs: ['all', 'authorId', 'coAuthorId,Review', 'Review', 'authorId.Book', 'Review.bookId',
      'authorId.Book.Review'],
    children: ['Review', 'Book'],
    sorts: ['', '-title', 'authorId,id', 'tags', 'extra'],
    fields: {
      fields: ['title', 'royalty', 'extra'], 'fields[authorId]': ['name'], 'fields[Review]': ['stars', 'text']
    },
    filters: ['', '{"authorId":"a1"}', '{"coAuthorId":null}', '{"Review":{"$none":{}}}']
  },
  {
    path: 'reviews',
    ids: ['r00', 'r13', 'r89'],
    withs: ['all', 'bookId', 'bookId.authorId', 'bookId.Review'],
    children: ['Review', 'Book'],
    sorts: ['', '-stars', 'stars,bookId'],
    fields: { fields: ['stars'], 'fields[bookId]': ['title', 'authorId'] },
    filters: ['', '{"stars":{"$in":[1,5,null]}}']
  },
  {
    path: 'employees',
    ids: ['e00', 'e03', 'e14'],
    withs: ['all', 'managerId', 'Employee', 'managerId.managerId', 'Employee.Employee'],
    children: ['Employee'],
    sorts: ['', '-salary', 'managerId'],
    fields: { fields: ['name'], 'fields[Employee]': ['name', 'salary'], 'fields[managerId]': ['salary'] },
    filters: ['', '{"salary":{"$exists":true}}']
  }
]

const CHILD_SORTS: Record<string, string[]> = {
  Book: ['-id', 'title,-id', 'tags', '-extra'],
  Review: ['-stars', 'stars,-id', 'text'],
  Employee: ['-salary', 'name', 'managerId']
}

/** One generated request: a GET of one document or a page, with a random share of the options. */
function request (rand: () => number, route: Route): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!
  const some = (p: number) => rand() < p
  const params = new URLSearchParams()
  const single = some(0.35)
  const withText = pick(route.withs)
  if (!some(0.05)) params.set('with', withText)
  if (withText === 'all' && some(0.3)) params.set('depth', String(2 + Math.floor(rand() * 2)))
  for (const child of route.children) {
    if (some(0.3)) params.set(`limit[${child}]`, String(Math.floor(rand() * 4)))
    if (some(0.3)) params.set(`sort[${child}]`, pick(CHILD_SORTS[child]!))
  }
  if (some(0.15)) params.set('count', route.children[0]!)
  const paths = withText.split(',')
  for (const [name, values] of Object.entries(route.fields)) {
    const path = /^fields\[(.*)\]$/.exec(name)?.[1]
    // fields of a relationship that `with` loads, mostly
    const loaded = path === undefined || paths.some(p => `${p}.`.startsWith(`${path}.`)) ||
      (withText === 'all' && !path.includes('.'))
    if (some(loaded ? 0.4 : 0.02)) params.set(name, values.filter(() => some(0.6)).join(',') || values[0]!)
  }
  if (some(0.05)) params.set('shape', 'normalized')
  if (single) return `/api/${route.path}/${pick(route.ids)}?${params.toString()}`
  const sort = pick(route.sorts)
  if (sort !== '') params.set('sort', sort)
  const filter = pick(route.filters)
  if (filter !== '') params.set('filter', filter)
  params.set('size', String(1 + Math.floor(rand() * 12)))
  if (some(0.2)) params.set('page', String(2 + Math.floor(rand() * 3)))
  else if (some(0.2)) params.set('cursor', 'true')
  return `/api/${route.path}?${params.toString()}`
}

interface Answer { status: number, headers: Record<string, unknown>, body: string, queries: number }

async function answer (app: FastifyInstance, url: string): Promise<Answer> {
  let res!: Awaited<ReturnType<FastifyInstance['inject']>>
  const queries = await countQueries(app, async () => { res = await app.inject(url) })
  const { 'content-type': type, 'x-total-count': total, link } = res.headers
  // problems name their request, numbered per app
  const body = res.body.replace(/"requestId":"[^"]*"/, '"requestId":"…"')
  return { status: res.statusCode, headers: { type, total, link }, body, queries }
}

for (const store of GRAPH_STORES) {
  t.test(`${store}: graphs in one statement answer byte for byte as the batched path`, async t => {
    const env = { DATABASE_URL: await graphStoreUrl(t, store), CHILD_LIMIT: '3', STORE_TIMEOUT_MS: '10000' }
    const statement = await build(t, { model, env: { ...env, GRAPHS_IN_STORE: 'true' } })
    const batched = await build(t, { model, env: { ...env, GRAPHS_IN_STORE: 'false' } })
    for (const [path, docs] of Object.entries(shop(random(7)))) {
      const res = await batched.inject({ method: 'POST', url: `/api/${path}`, payload: docs as object[] })
      t.equal(res.statusCode, 201, `seeded ${path}`)
    }
    const rand = random(13)
    const urls: string[] = []
    for (let i = 0; i < 400; i++) urls.push(request(rand, ROUTES[i % ROUTES.length]!))
    let statements = 0
    let cut = 0
    for (let i = 0; i < urls.length; i++) {
      const url = urls[i]!
      const [mine, theirs] = [await answer(statement, url), await answer(batched, url)]
      const { queries: _mine, ...shown } = mine
      const { queries: _theirs, ...expected } = theirs
      if (JSON.stringify(shown) !== JSON.stringify(expected)) {
        t.same(shown, expected, `${url} answers as the batched path`)
        continue
      }
      // the next page by cursor, when there is one, is a request of its own
      const next = /<([^>]+)>; rel="next"/.exec(String(mine.headers.link ?? ''))?.[1]
      if (next?.includes('after=') === true && urls.length < 600) urls.push(next)
      const graphs = mine.status === 200 && url.includes('with=') && !url.includes('shape=normalized')
      if (graphs) {
        statements++
        if (mine.queries !== 1) t.equal(mine.queries, 1, `${url}: one round trip`)
        if (mine.body.includes('"next":"/api/')) cut++
      }
    }
    t.ok(urls.length > 420, `${urls.length} requests, cursors followed`)
    t.ok(statements > 250, `${statements} graph answers built in one statement`)
    t.ok(cut > 30, `${cut} of them with cut child lists and their links`)
  })
}
