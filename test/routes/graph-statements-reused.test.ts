// A repeated read writes no SQL (issue #15): on the stores that build graphs in one statement
// (GRAPHS_IN_STORE), the route's parsed query yields the same graph plan every time, and the
// store keeps the statements it wrote for that plan. Observed by counting the store's graph SQL
// writers (the class that writes a plan's SQL, wrapped here only), while the answers stay the same.
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { GraphWriter } from '../../src/store/postgres/graph-sql.js'
import { SqliteGraphWriter } from '../../src/store/sqlite/graph-sql.js'
import { build, libraryModel, post } from '../helper.js'
import { GRAPH_STORES, graphStoreUrl, type GraphStore } from '../support/graph-stores.js'

const WRITERS = { postgres: GraphWriter.prototype, sqlite: SqliteGraphWriter.prototype }

/** Counts the graphs (of any level) the store's SQL writer writes, until the test ends. */
function countWrites (t: Test, store: GraphStore): () => number {
  const writer = WRITERS[store] as { graph: (...args: unknown[]) => unknown }
  const original = writer.graph
  let writes = 0
  writer.graph = function countedGraph (this: unknown, ...args: unknown[]) {
    writes++
    return original.apply(this, args)
  }
  t.teardown(() => { writer.graph = original })
  return () => writes
}

async function seeded (t: Test, store: GraphStore): Promise<FastifyInstance> {
  const app = await build(t, {
    model: libraryModel,
    env: { DATABASE_URL: await graphStoreUrl(t, store), GRAPHS_IN_STORE: 'true', STORE_TIMEOUT_MS: '10000' }
  })
  await post(app, '/api/authors', [{ id: 'a1', name: 'Ann' }, { id: 'a2', name: 'Bob' }])
  await post(app, '/api/books', [
    { id: 'b1', title: 'One', authorId: 'a1' }, { id: 'b2', title: 'Two', authorId: 'a2', coAuthorId: 'a1' }
  ])
  await post(app, '/api/reviews', [
    { id: 'r1', bookId: 'b1', stars: 5 }, { id: 'r2', bookId: 'b1', stars: 3 }, { id: 'r3', bookId: 'b2', stars: 4 }
  ])
  return app
}

/** The link to the rest of a cut review list. */
function nextLink (body: string): string {
  const graph = JSON.parse(body) as { meta: { children: Record<string, { next: string }> } }
  return graph.meta.children['Review.bookId']!.next
}

for (const store of GRAPH_STORES) {
  t.test(`${store}: a repeated read reuses its graph plan and statements`, async t => {
    const app = await seeded(t, store)
    const writes = countWrites(t, store)
    /** The answer of `url` (200 asserted) and how many graphs the store wrote SQL for meanwhile. */
    const read = async (url: string): Promise<{ body: string, wrote: number }> => {
      const before = writes()
      const res = await app.inject(url)
      t.equal(res.statusCode, 200, `${url}: ${res.body}`)
      return { body: res.body, wrote: writes() - before }
    }
    const query = 'with=all&limit[Review]=1&sort[Review]=-stars&fields[Review]=stars'

    const first = await read(`/api/books/b1?${query}`)
    t.ok(first.wrote > 0, 'the first GET writes its graph SQL')
    t.same(JSON.parse(first.body), {
      entity: { id: 'b1', title: 'One', authorId: 'a1' },
      parents: { authorId: { id: 'a1', name: 'Ann' }, coAuthorId: null },
      children: { Review: { bookId: [{ id: 'r1', stars: 5 }] } },
      meta: { children: { 'Review.bookId': { total: 2, returned: 1, next: nextLink(first.body) } } }
    })
    t.match(nextLink(first.body), /^\/api\/reviews\?filter=%7B%22bookId%22%3A%22b1%22%7D&sort=-stars&size=50&after=/,
      'the link to the rest')
    const again = await read(`/api/books/b1?${query}`)
    t.same(again, { body: first.body, wrote: 0 }, 'the same GET again: the same answer, no SQL written')
    const other = await read(`/api/books/b2?${query}`)
    t.equal(other.wrote, 0, 'another id with the same query string: no SQL written')
    t.match(JSON.parse(other.body),
      { entity: { id: 'b2' }, children: { Review: { bookId: [{ id: 'r3', stars: 4 }] } } })

    const page = await read(`/api/books?${query}&size=1`)
    t.ok(page.wrote > 0, 'the first page writes its graph SQL')
    t.same(await read(`/api/books?${query}&size=1`), { body: page.body, wrote: 0 }, 'the same page again: none')
    t.equal(JSON.parse(page.body)[0].entity.id, 'b1')

    const stream = await read(`/api/books/stream?${query}`)
    t.equal(stream.body.split('\n').length, 3, 'two lines and the final newline')
    t.same(await read(`/api/books/stream?${query}`), { body: stream.body, wrote: 0 }, 'the same stream again: none')

    const wider = await read('/api/books/b1?with=all&limit[Review]=2&sort[Review]=-stars&fields[Review]=stars')
    t.ok(wider.wrote > 0, 'another child limit is another plan: its SQL is written')
    t.same(JSON.parse(wider.body).children.Review.bookId, [{ id: 'r1', stars: 5 }, { id: 'r2', stars: 3 }])
    t.equal((await read(`/api/books/b1?${query}`)).wrote, 0, 'the first query string still finds its plan')
  })
}
