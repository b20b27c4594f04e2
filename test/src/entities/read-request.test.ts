// One typed read request is the only input of EntityApi's reads: get, list and stream take the
// same one, `parse` resolves query-string parameters into it with the entity's model (so `depth`
// is never lost), and `relatives` resolves its typed options into the same request.
import t, { type Test } from 'tap'
import type { Graph } from '../../../src/graph/graph.js'
import { Relata, buildMetadata, storeEntities } from '../../../src/relata.js'
import { openStore } from '../../../src/store/open-store.js'
import type { Doc } from '../../../src/store/store.js'
import { libraryModel } from '../../library-model.js'

async function library (t: Test) {
  const metadata = buildMetadata(libraryModel)
  const store = await openStore('memory:', { entities: storeEntities(metadata) })
  const relata = new Relata(metadata, store, { childLimit: 100 })
  t.teardown(() => relata.close())
  await relata.entity('Author').upsert([{ id: 'a1', name: 'Ann' }, { id: 'a2', name: 'Ben' }])
  await relata.entity('Book').upsert(Array.from({ length: 6 }, (_, i) => ({
    id: `b${i}`, title: `T${i}`, authorId: 'a1', coAuthorId: i % 2 === 0 ? 'a2' : null
  })))
  await relata.entity('Review').upsert(
    Array.from({ length: 12 }, (_, i) => ({
      id: `r${String(i).padStart(2, '0')}`, bookId: `b${i % 6}`, stars: 1 + i % 5
    }))
  )
  return relata
}

t.test('parse keeps depth: the entity holds the model', async t => {
  const relata = await library(t)
  const reviews = relata.entity('Review')
  const request = reviews.parse({ with: 'all', depth: 2 })
  const graph = await reviews.get('r00', request) as Graph
  const book = graph.parents.bookId as Graph
  t.same(book.entity, { id: 'b0', title: 'T0', authorId: 'a1', coAuthorId: 'a2' })
  t.same(book.parents, { authorId: { id: 'a1', name: 'Ann' }, coAuthorId: { id: 'a2', name: 'Ben' } }, 'two hops')
  t.same((book.children.Review!.bookId as Doc[]).map(r => r.id), ['r00', 'r06'])
  t.throws(() => reviews.parse({ depth: 2 }), {
    name: 'BadRequestError',
    message: 'depth=2 extends with=all, and with is missing; add with=all'
  })
})

t.test('get, list and stream answer the same request alike', async t => {
  const relata = await library(t)
  const reviews = relata.entity('Review')
  const request = reviews.parse({
    with: 'bookId.authorId', fields: 'stars', 'fields[bookId]': 'title', filter: '{"stars":3}', sort: '-id'
  } as never)
  const got = await reviews.get('r07', request)
  t.same(got, {
    entity: { id: 'r07', stars: 3 },
    parents: {
      bookId: { entity: { id: 'b1', title: 'T1' }, parents: { authorId: { id: 'a1', name: 'Ann' } }, children: {} }
    },
    children: {}
  })
  const page = await reviews.list({ ...request, page: 1, size: 5 })
  t.same(page.items, [await reviews.get('r07', request), await reviews.get('r02', request)], 'filtered and sorted')
  const streamed: Array<Doc | Graph> = []
  for await (const batch of reviews.stream({ ...request, batchSize: 1 })) streamed.push(...batch)
  t.same(streamed, page.items)
})

t.test('relatives resolves typed options into the query string\'s request', async t => {
  const relata = await library(t)
  const authors = relata.entity('Author')
  const ann = await authors.get('a1') as Doc
  const graph = await authors.relatives(ann, {
    with: 'all',
    depth: 2,
    children: { Book: { limit: 2, sort: '-title' }, Review: { limit: 1, sort: '-stars' } },
    fields: 'name',
    fieldsOf: { 'Book.authorId': 'title', 'Book.authorId.Review': 'stars' }
  })
  const same = await authors.get('a1', authors.parse({
    with: 'all',
    depth: '2',
    'limit[Book]': '2',
    'sort[Book]': '-title',
    'limit[Review]': '1',
    'sort[Review]': '-stars',
    fields: 'name',
    'fields[Book.authorId]': 'title',
    'fields[Book.authorId.Review]': 'stars'
  } as never))
  t.same(graph, same)
  const books = graph.children.Book!.authorId as Graph[]
  t.same(books.map(b => [b.entity, b.children.Review!.bookId]), [
    [{ id: 'b5', title: 'T5' }, [{ id: 'r11', stars: 2 }]],
    [{ id: 'b4', title: 'T4' }, [{ id: 'r04', stars: 5 }]]
  ])
  t.throws(() => authors.relatives(ann, { with: 'Book', children: { Book: { limit: -1 } } }), {
    name: 'BadRequestError',
    message: 'limit[Book] must be an integer >= 0',
    errors: [{ path: '/limit[Book]', message: 'must be an integer >= 0' }]
  })
  t.throws(() => authors.relatives(ann, { children: { Nope: { limit: 1 } } }), {
    name: 'BadRequestError',
    message: 'limit[Nope] names no child entity a graph of Author can load; the child entities are Book, Review'
  })
  t.same(await authors.relatives(ann, { with: '' }), { entity: ann, parents: {}, children: {} },
    'a graph even when with selects nothing')
})
