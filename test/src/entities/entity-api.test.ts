import t, { type Test } from 'tap'
import { parseQuery } from '../../../src/entities/query.js'
import type { Graph } from '../../../src/graph/graph.js'
import { Relata, buildMetadata, storeEntities } from '../../../src/relata.js'
import { openStore } from '../../../src/store/open-store.js'
import type { Doc } from '../../../src/store/store.js'
import { libraryModel } from '../../library-model.js'

async function library (t: Test, rowBudget?: number) {
  const metadata = buildMetadata(libraryModel)
  const counts: string[] = []
  const store = await openStore('memory:', {
    entities: storeEntities(metadata),
    onQuery: (entity, op) => counts.push(`${entity}.${op}`)
  })
  const relata = new Relata(metadata, store, { childLimit: 100, ...(rowBudget === undefined ? {} : { rowBudget }) })
  t.teardown(() => relata.close())
  await relata.entity('Author').upsert([{ id: 'a1', name: 'Ann' }, { id: 'a2', name: 'Ben' }])
  await relata
    .entity('Book')
    .upsert(
      Array.from({ length: 30 }, (_, i) => ({
        id: `b${i}`,
        title: `T${i}`,
        authorId: 'a1',
        coAuthorId: i % 2 === 0 ? 'a2' : null
      }))
    )
  await relata
    .entity('Review')
    .upsert(Array.from({ length: 60 }, (_, i) => ({ id: `r${i}`, bookId: `b${i % 30}`, stars: 3 })))
  counts.length = 0
  return { relata, counts }
}

t.test('getParent, getParents and getChildren', async t => {
  const { relata } = await library(t)
  const book = await relata.entity('Book').get('b0') as Doc
  t.same(await relata.entity('Book').getParent(book, 'coAuthorId'), { id: 'a2', name: 'Ben' })
  t.same(await relata.entity('Book').getParents(book), {
    authorId: { id: 'a1', name: 'Ann' },
    coAuthorId: { id: 'a2', name: 'Ben' }
  })
  t.same((await relata.entity('Book').getChildren(book)).map(r => r.id), ['r0', 'r30'])
  const review = await relata.entity('Review').get('r1') as Doc
  t.same(
    await relata.entity('Review').getParent(review),
    { id: 'b1', title: 'T1', authorId: 'a1', coAuthorId: null },
    'one parent property: no name needed'
  )
  const ann = await relata.entity('Author').get('a2') as Doc
  t.same((await relata.entity('Author').getChildren(ann, 'Book', 'coAuthorId')).length, 15)
})

t.test('ambiguous or impossible single-relationship calls say which form to use', async t => {
  const { relata } = await library(t)
  const book = await relata.entity('Book').get('b0') as Doc
  await t.rejects(relata.entity('Book').getParent(book), {
    message:
      "Book has 2 parent properties, 'authorId' (→ Author), 'coAuthorId' (→ Author); name one: getParent(doc, " +
        "'authorId')"
  })
  await t.rejects(relata.entity('Book').getParent(book, 'editorId'), {
    message: /Book has no parent property 'editorId'; its parent properties are 'authorId'/
  })
  const author = await relata.entity('Author').get('a1') as Doc
  await t.rejects(relata.entity('Author').getParent(author), { message: 'Author has no parent relationships' })
  await t.rejects(relata.entity('Author').getChildren(author), {
    message:
      /Author has 2 matching child relationships \(Book.authorId, Book.coAuthorId\); name one: getChildren\(doc, 'Book', 'authorId'\)/
  })
  await t.rejects(relata.entity('Author').getChildren(author, 'Review'), {
    message: /Author has no child relationship Review; its child relationships are Book.authorId, Book.coAuthorId/
  })
  const review = await relata.entity('Review').get('r0') as Doc
  await t.rejects(relata.entity('Review').getChildren(review), { message: 'Review has no child relationships' })
  t.throws(() => relata.entity('Nope'), /unknown entity 'Nope'/)
})

t.test('relatives of one, many, and an async iterable in batches', async t => {
  const { relata, counts } = await library(t)
  const books = relata.entity('Book')
  const one = await books.relatives(await books.get('b1') as Doc)
  t.same(one.parents, { authorId: { id: 'a1', name: 'Ann' }, coAuthorId: null })
  const page = await books.list({ page: 1, size: 30 })
  counts.length = 0
  const many = await books.relatives(page.items as Doc[], { with: 'Review' })
  t.equal(many.length, 30)
  t.same(counts, ['Review.findByRefs'], 'one round trip for 30 books')
  t.ok(many.every(g => g.children.Review!.bookId!.length === 2 && Object.keys(g.parents).length === 0))

  async function * source () {
    for (const doc of page.items as Doc[]) yield doc
  }
  counts.length = 0
  const streamed: string[] = []
  for await (const graph of books.relatives(source(), { batchSize: 7 })) streamed.push(graph.entity.id)
  t.equal(streamed.length, 30)
  t.same(streamed, (page.items as Doc[]).map(d => d.id), 'order is kept')
  t.equal(counts.length, 5 * 2, '5 batches × (authors + reviews)')
})

t.test('relatives follow paths and depth, take child limits, and keep to the row budget', async t => {
  const { relata, counts } = await library(t, 1000)
  const authors = relata.entity('Author')
  const ann = await authors.get('a1') as Doc
  counts.length = 0
  const graph = await authors.relatives(ann, {
    with: 'Book.authorId.Review',
    children: { Book: { limit: 3, sort: '-title' }, Review: { limit: 1 } }
  })
  const books = graph.children.Book!.authorId as Graph[]
  t.same(books.map(b => b.entity.id), ['b9', 'b8', 'b7'], "Ann's last three titles")
  t.ok(books.every(b => b.children.Review!.bookId!.length === 1), 'one review each')
  t.same(graph.meta, { children: { 'Book.authorId': { total: 30, returned: 3 } } })
  t.same(counts, ['Book.findByRefs', 'Review.findByRefs'], 'one round trip per level')

  const deep = await authors.relatives(ann, {
    with: 'all',
    depth: 2,
    children: { Book: { limit: 4 }, Review: { limit: 2 } }
  })
  t.equal((deep.children.Book!.authorId![0] as Graph).children.Review!.bookId!.length, 2, 'two hops')

  // per author: 2 book relationships × 100 books × (the book, its 2 authors and 100 reviews)
  t.throws(() => authors.relatives([ann, ann], { with: 'all', depth: 2 }), {
    name: 'RowBudgetError',
    message: /up to 41,200 related documents for 2 Author documents .*add limit\[Book\]=2 \(/
  })
  t.throws(() => authors.relatives(ann, { with: 'nope' }), {
    name: 'BadRequestError',
    message: /unknown relationship 'nope' in with/
  })
  const trimmed = await authors.relatives(ann, {
    with: 'Book.authorId.Review',
    children: { Book: { limit: 1 }, Review: { limit: 1 } },
    fields: 'id',
    fieldsOf: { 'Book.authorId': 'title', 'Book.authorId.Review': 'stars' }
  })
  t.same(trimmed.entity, { id: 'a1' }, 'fields trims the entity')
  t.same(
    trimmed.children.Book!.authorId!.map(b => [(b as Graph).entity, (b as Graph).children.Review!.bookId]),
    [[{ id: 'b0', title: 'T0' }, [{ id: 'r0', stars: 3 }]]],
    'and fieldsOf each relationship'
  )
  t.throws(() => authors.relatives(ann, { with: 'Book', fieldsOf: { Review: 'stars' } }), { name: 'BadRequestError' })

  const ben = await authors.get('a2') as Doc
  async function * twice () { yield ann; yield ben }
  const streamed: string[] = []
  counts.length = 0
  // 200 books per author at most: the batches shrink from 500 to 5, here 2 authors in one
  for await (const g of authors.relatives(twice(), { with: 'Book' })) streamed.push(g.entity.id)
  t.same(streamed, ['a1', 'a2'])
  t.same(counts, ['Book.findByRefs', 'Book.findByRefs'], 'both book relationships in one batch')
})

t.test('get, list and stream trim to fields, with the round trips of the same read without them', async t => {
  const { relata, counts } = await library(t)
  const metadata = relata.metadata
  const author = relata.entity('Author')
  const query = parseQuery(
    author.meta,
    { with: 'Book', fields: 'id', 'fields[Book.coAuthorId]': 'title' } as never,
    metadata
  )
  const graph = await author.get('a2', query) as Graph
  t.same(graph.entity, { id: 'a2' })
  t.same(graph.children.Book!.coAuthorId!.slice(0, 2), [{ id: 'b0', title: 'T0' }, { id: 'b10', title: 'T10' }])
  t.same(graph.children.Book!.authorId, [], 'the other relationship keeps whole documents (none here)')
  const trimmedCounts = counts.splice(0).length
  await author.get('a2', { selection: query.selection })
  t.equal(counts.splice(0).length, trimmedCounts)

  const books = relata.entity('Book')
  const page = await books.list({
    ...parseQuery(books.meta, { sort: '-title', fields: 'title' }, metadata),
    page: 1,
    size: 3
  })
  t.match(page, {
    items: [
      { id: 'b9', title: 'T9' },
      { id: 'b8', title: 'T8' },
      { id: 'b7', title: 'T7' }
    ],
    total: 30,
    next: String
  })
  t.same(
    page.items[0],
    { id: 'b9', title: 'T9' },
    'trimmed; the cursor to the next page is taken from the whole document'
  )
  const batches: Array<Array<Doc | Graph>> = []
  for await (const batch of books.stream({
    ...parseQuery(books.meta, { with: 'authorId', 'fields[authorId]': 'name', fields: 'id' } as never, metadata),
    batchSize: 20
  })) { batches.push(batch) }
  t.same(batches.map(b => b.length), [20, 10])
  t.same(batches[0]![0], { entity: { id: 'b0' }, parents: { authorId: { id: 'a1', name: 'Ann' } }, children: {} })
})
