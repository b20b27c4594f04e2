import t, { type Test } from 'tap'
import { cursorOf } from '../../src/entities/cursor.js'
import { build, countQueries, libraryModel, post } from '../helper.js'

async function library (t: Test, env: Record<string, string> = {}) {
  const app = await build(t, { model: libraryModel, env })
  await post(app, '/api/authors', [{ id: 'a1', name: 'Ann' }, { id: 'a2', name: 'Ben' }])
  await post(app, '/api/books', [
    { id: 'b1', title: 'One', authorId: 'a1', coAuthorId: 'a2' },
    { id: 'b2', title: 'Two', authorId: 'a2', coAuthorId: null },
    { id: 'b3', title: 'Three', authorId: 'ghost' }
  ])
  await post(app, '/api/reviews', [
    { id: 'r1', bookId: 'b1', stars: 5 },
    { id: 'r2', bookId: 'b1', stars: 3 },
    { id: 'r3', bookId: 'b2', stars: 4 }
  ])
  await post(app, '/api/employees', [
    { id: 'e1', name: 'Boss', managerId: null },
    { id: 'e2', name: 'Mid', managerId: 'e1' },
    { id: 'e3', name: 'Dev', managerId: 'e2' }
  ])
  return app
}

t.test('with=all returns every declared relationship', async t => {
  const app = await library(t)
  const book = (await app.inject('/api/books/b1?with=all')).json()
  t.same(book, {
    entity: { id: 'b1', title: 'One', authorId: 'a1', coAuthorId: 'a2' },
    parents: { authorId: { id: 'a1', name: 'Ann' }, coAuthorId: { id: 'a2', name: 'Ben' } },
    children: { Review: { bookId: [{ id: 'r1', bookId: 'b1', stars: 5 }, { id: 'r2', bookId: 'b1', stars: 3 }] } },
    meta: { children: { 'Review.bookId': { total: 2, returned: 2 } } }
  })
  const author = (await app.inject('/api/authors/a2?with=all')).json()
  t.same(author.children, {
    Book: {
      authorId: [{ id: 'b2', title: 'Two', authorId: 'a2', coAuthorId: null }],
      coAuthorId: [{ id: 'b1', title: 'One', authorId: 'a1', coAuthorId: 'a2' }]
    }
  }, 'two references to the same parent entity stay apart')
  t.same(author.parents, {})
})

t.test('null, missing and dangling parents are null; empty children are []', async t => {
  const app = await library(t)
  const b3 = (await app.inject('/api/books/b3?with=all')).json()
  t.same(b3.parents, { authorId: null, coAuthorId: null })
  t.same(b3.children, { Review: { bookId: [] } })
  const b2 = (await app.inject('/api/books/b2?with=all')).json()
  t.same(b2.parents, { authorId: { id: 'a2', name: 'Ben' }, coAuthorId: null })
})

t.test('self-references load manager and reports', async t => {
  const app = await library(t)
  const mid = (await app.inject('/api/employees/e2?with=all')).json()
  t.same(mid.parents, { managerId: { id: 'e1', name: 'Boss', managerId: null } })
  t.same(mid.children, { Employee: { managerId: [{ id: 'e3', name: 'Dev', managerId: 'e2' }] } })
})

t.test('with selects parents, child entities or Child.refProp', async t => {
  const app = await library(t)
  const parentsOnly = (await app.inject('/api/books/b1?with=authorId')).json()
  t.same(parentsOnly.parents, { authorId: { id: 'a1', name: 'Ann' } })
  t.same(parentsOnly.children, {})
  const childOnly = (await app.inject('/api/authors/a2?with=Book.coAuthorId')).json()
  t.same(Object.keys(childOnly.children.Book), ['coAuthorId'])
  const childEntity = (await app.inject('/api/authors/a2?with=Book')).json()
  t.same(Object.keys(childEntity.children.Book).sort(), ['authorId', 'coAuthorId'])
  t.same(
    (await app.inject('/api/books/b1?with=')).json(),
    (await app.inject('/api/books/b1')).json(),
    'an empty with is the plain document'
  )
  const unknown = await app.inject('/api/books/b1?with=authorId,editor')
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json(), {
    detail: "unknown relationship 'editor' in with; Book accepts all, authorId, coAuthorId, Review, Review.bookId",
    errors: [{ path: '/with', message: "unknown relationship 'editor'" }]
  })
})

t.test('a child list cut by the limit is reported, never silent', async t => {
  const app = await library(t, { CHILD_LIMIT: '1' })
  const book = (await app.inject('/api/books/b1?with=all')).json()
  t.same(book.children.Review.bookId.map((r: { id: string }) => r.id), ['r1'])
  const next = '/api/reviews?filter=%7B%22bookId%22%3A%22b1%22%7D&size=50&after=' +
    `${cursorOf('Review', undefined, { id: 'r1' })}`
  t.same(book.meta.children, { 'Review.bookId': { total: 2, returned: 1, next } }, 'the rest after the last child held')
  t.same(
    (await app.inject(book.meta.children['Review.bookId'].next)).json().map((r: { id: string }) => r.id),
    ['r2'],
    'the next link continues the list'
  )
  const b2 = (await app.inject('/api/books/b2?with=all')).json()
  t.same(b2.meta.children, { 'Review.bookId': { total: 1, returned: 1 } }, 'no next when nothing was cut')
})

// batched: one round trip per relationship; SQLite building the graphs itself (GRAPHS_IN_STORE): one in all
for (const [inStore, page, single] of [['false', 1 + 1 + 1, 3], ['true', 1, 1]] as const) {
  t.test(`lists return graphs; round trips do not grow with the page (GRAPHS_IN_STORE=${inStore})`, async t => {
    const app = await build(t, { model: libraryModel, env: { GRAPHS_IN_STORE: inStore } })
    await post(app, '/api/authors', Array.from({ length: 50 }, (_, i) => ({ id: `a${i}`, name: `A${i}` })))
    await post(
      app,
      '/api/books',
      Array.from({ length: 200 }, (_, i) => ({
        id: `b${String(i).padStart(3, '0')}`,
        title: `T${i}`,
        authorId: `a${i % 50}`,
        coAuthorId: `a${(i + 1) % 50}`
      }))
    )
    await post(
      app,
      '/api/reviews',
      Array.from({ length: 400 }, (_, i) => ({
        id: `r${i}`,
        bookId: `b${String(i % 200).padStart(3, '0')}`,
        stars: 1 + (i % 5)
      }))
    )
    let small: Array<{
      entity: { id: string }
      parents: Record<string, unknown>
      children: { Review: { bookId: unknown[] } }
    }> = []
    const smallCount = await countQueries(app, async () => {
      small = (await app.inject('/api/books?size=10&with=all')).json()
    })
    let large: typeof small = []
    const largeCount = await countQueries(app, async () => {
      large = (await app.inject('/api/books?size=200&with=all')).json()
    })
    t.equal(small.length, 10)
    t.equal(large.length, 200)
    t.equal(smallCount, largeCount, 'same round trips for 10 and 200 books')
    // batched: one page query, one getMany for both Author references, one findByRefs for reviews
    t.equal(largeCount, page, 'round trips of the page')
    t.ok(
      large.every(
        g => g.parents.authorId !== null && g.parents.coAuthorId !== null && g.children.Review.bookId.length === 2
      )
    )
    // batched: get + one per relationship target
    t.equal(await countQueries(app, () => app.inject('/api/books/b000?with=all')), single, 'a single GET with=all')
  })
}
