// Graphs in one statement on PostgreSQL and SQLite (GRAPHS_IN_STORE) through references that
// hold a parent's key (`x-parent-key`). Every reference of the model has an id twin (`authorCode` holds the
// author's `code`, `authorId` its id, always naming the same author), so a request through the
// key references must answer what the same request through the id references answers, names of
// the relationships aside: parents, child lists with their limits, orders and counts, nested
// paths, relation filters and pages, each graph answer in one round trip; and byte for byte
// what the batched path answers through the same key references, links to more children included.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import type { ModelDefinition } from '../../src/model/model.js'
import { build, countQueries } from '../helper.js'
import { GRAPH_STORES, graphStoreUrl } from '../support/graph-stores.js'

const str = { type: 'string', minLength: 1 }
const ref = (target: string, key?: string): object =>
  ({ type: ['string', 'null'], 'x-parent': target, ...(key === undefined ? {} : { 'x-parent-key': key }) })

const model: ModelDefinition = {
  entities: {
    Author: {
      schema: {
        type: 'object',
        properties: { id: str, code: { ...str, 'x-unique': true }, name: str, born: { type: 'integer' } }
      }
    },
    Book: {
      schema: {
        type: 'object',
        properties: {
          id: str,
          isbn: { ...str, 'x-unique': true },
          title: str,
          authorId: ref('Author'),
          authorCode: ref('Author', 'code'),
          pages: { type: 'integer' }
        }
      }
    },
    Review: {
      schema: {
        type: 'object',
        properties: { id: str, bookId: ref('Book'), bookIsbn: ref('Book', 'isbn'), stars: { type: 'integer' } }
      }
    }
  }
}

/** Key names → id names: a key request's answer, so renamed, is the id request's, so renamed. */
const TWINS: Array<[string, string]> = [['authorCode', 'authorId'], ['bookIsbn', 'bookId']]

function throughIds (text: string): string {
  return TWINS.reduce((renamed, [key, id]) => renamed.replaceAll(key, id), text)
}

function random (seed: number): () => number {
  let state = seed
  return function next () {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
}

function data (rand: () => number): Record<string, object[]> {
  // a1 has no code: nothing can reference it by key, and no book does (its id twin stays null too)
  const authors = Array.from({ length: 8 }, (_, i) => ({
    id: `a${i}`, ...(i === 1 ? {} : { code: `C-${i}` }), name: `N${Math.floor(rand() * 4)}`, born: 1900 + i * 7
  }))
  const books = Array.from({ length: 30 }, (_, i) => {
    const author = Math.floor(rand() * 9) // 8: dangling both ways
    const held = author === 1 ? null : author
    return {
      id: `b${String(i).padStart(2, '0')}`,
      isbn: `I-${i}`,
      title: `T${Math.floor(rand() * 5)}`,
      ...(i % 6 === 0 || held === null ? {} : { authorId: `a${held}`, authorCode: `C-${held}` }),
      pages: Math.floor(rand() * 500)
    }
  })
  const reviews = Array.from({ length: 80 }, (_, i) => {
    const book = Math.floor(rand() * rand() * 31)
    return {
      id: `r${String(i).padStart(2, '0')}`,
      ...(i % 9 === 0
        ? { bookId: null, bookIsbn: null }
        : { bookId: `b${String(book).padStart(2, '0')}`, bookIsbn: `I-${book}` }),
      stars: 1 + Math.floor(rand() * 5)
    }
  })
  return { authors, books, reviews }
}

interface Route { path: string, ids: string[], withs: string[], children: string[], sorts: string[], filters: string[] }

const ROUTES: Route[] = [
  {
    path: 'authors',
    ids: ['a0', 'a1', 'a3', 'a9'],
    withs: ['Book.authorCode', 'Book.authorCode.Review.bookIsbn', 'Book.authorCode.authorCode'],
    children: ['Book', 'Review'],
    sorts: ['', 'name', '-born'],
    filters: ['', '{"Book.authorCode":{"$some":{"pages":{"$gt":250}}}}', '{"Book.authorCode":{"$none":{}}}']
  },
  {
    path: 'books',
    ids: ['b00', 'b05', 'b13', 'zz'],
    withs: ['authorCode', 'Review.bookIsbn', 'authorCode,Review.bookIsbn', 'authorCode.Book.authorCode',
      'Review.bookIsbn.bookIsbn.authorCode'],
    children: ['Review', 'Book'],
    sorts: ['', '-title', 'pages'],
    filters: ['', '{"Review.bookIsbn":{"$some":{"stars":5}}}', '{"pages":{"$lt":200}}']
  },
  {
    path: 'reviews',
    ids: ['r00', 'r13', 'r79'],
    withs: ['bookIsbn', 'bookIsbn.authorCode', 'bookIsbn.Review.bookIsbn'],
    children: ['Review'],
    sorts: ['', '-stars'],
    filters: ['', '{"stars":{"$gte":4}}']
  }
]

const CHILD_SORTS: Record<string, string[]> = {
  Book: ['-id', 'title,-pages', 'pages'],
  Review: ['-stars', 'stars,-id']
}

function request (rand: () => number, route: Route): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!
  const some = (p: number): boolean => rand() < p
  const params = new URLSearchParams({ with: pick(route.withs) })
  for (const child of route.children) {
    if (some(0.4)) params.set(`limit[${child}]`, String(Math.floor(rand() * 4)))
    if (some(0.4)) params.set(`sort[${child}]`, pick(CHILD_SORTS[child]!))
  }
  if (some(0.2)) params.set('count', route.children[0]!)
  if (some(0.2)) params.set('fields', route.path === 'reviews' ? 'stars' : 'id')
  if (some(0.35)) return `/api/${route.path}/${pick(route.ids)}?${params.toString()}`
  const sort = pick(route.sorts)
  if (sort !== '') params.set('sort', sort)
  const filter = pick(route.filters)
  if (filter !== '') params.set('filter', filter)
  params.set('size', String(1 + Math.floor(rand() * 8)))
  if (some(0.2)) params.set('page', '2')
  return `/api/${route.path}?${params.toString()}`
}

interface Answer { shown: string, links: string[], queries: number }

/** The answer, and apart from it the links to more children: they name the key's value, the id twin the id. */
async function answer (app: FastifyInstance, url: string): Promise<Answer> {
  let res!: Awaited<ReturnType<FastifyInstance['inject']>>
  const queries = await countQueries(app, async () => { res = await app.inject(url) })
  const body = res.body.replace(/"requestId":"[^"]*"/, '"requestId":"…"')
  const links = [...body.matchAll(/,"next":"([^"]*)"/g)].map(match => match[1]!)
  const shown = JSON.stringify([res.statusCode, res.headers['x-total-count'], body.replace(/,"next":"[^"]*"/g, '')])
  return { shown, links, queries }
}

for (const store of GRAPH_STORES) {
  t.test(`${store}: graphs in one statement through key references answer as through id references`, async t => {
    const env = { DATABASE_URL: await graphStoreUrl(t, store), CHILD_LIMIT: '3', STORE_TIMEOUT_MS: '10000' }
    const app = await build(t, { model, env: { ...env, GRAPHS_IN_STORE: 'true' } })
    const batched = await build(t, { model, env: { ...env, GRAPHS_IN_STORE: 'false' } })
    for (const [path, docs] of Object.entries(data(random(5)))) {
      t.equal((await app.inject({ method: 'POST', url: `/api/${path}`, payload: docs })).statusCode, 201, path)
    }
    const rand = random(11)
    let graphs = 0
    let limited = 0
    let linked = 0
    for (let i = 0; i < 240; i++) {
      const url = request(rand, ROUTES[i % ROUTES.length]!)
      const [keyed, plain] = [await answer(app, url), await answer(app, throughIds(url))]
      const theirs = await answer(batched, url)
      if (JSON.stringify([keyed.shown, keyed.links]) !== JSON.stringify([theirs.shown, theirs.links])) {
        t.same([keyed.shown, keyed.links], [theirs.shown, theirs.links], `${url} answers as the batched path`)
        continue
      }
      linked += keyed.links.length === 0 ? 0 : 1
      // documents hold both references: renamed alike on both sides
      if (throughIds(keyed.shown) !== throughIds(plain.shown)) {
        t.same(throughIds(keyed.shown), throughIds(plain.shown), `${url} answers as ${throughIds(url)}`)
        continue
      }
      if (keyed.shown.startsWith('[200,')) {
        graphs++
        if (keyed.queries !== 1) t.equal(keyed.queries, 1, `${url}: one round trip`)
        if (url.includes('limit%5B')) limited++
      }
    }
    t.ok(graphs > 200, `${graphs} graph answers through key references`)
    t.ok(limited > 80, `${limited} of them with child limits`)
    t.ok(linked > 30, `${linked} of them with links to more children, by key value`)
  })
}
