// The cursor codec and EntityApi's keyset reads, as a library user meets them: a cursor
// round-trips the key values of any document (nested paths, booleans, missing keys, arrays),
// and list/streamWithCursors continue after a decoded position.
import t from 'tap'
import { BadRequestError } from '../../../src/errors.js'
import { cursorOf, decodeCursor, sortText } from '../../../src/entities/cursor.js'
import { parseQuery } from '../../../src/entities/query.js'
import { Relata, buildMetadata, storeEntities } from '../../../src/relata.js'
import { openStore } from '../../../src/store/open-store.js'
import type { SortKey } from '../../../src/store/store.js'
import { libraryModel } from '../../library-model.js'

const metadata = buildMetadata(libraryModel)
const book = metadata.entity('Book')
const sort: SortKey[] = [
  { field: 'meta.rank', desc: true },
  { field: 'flag', desc: false },
  { field: 'tags', desc: false }
]

t.test('a cursor names the key values of its document, for its entity and sort only', async t => {
  const cursor = cursorOf('Book', sort, { id: 'b1', meta: { rank: 'x' }, flag: true, tags: ['a', { b: null }] })
  t.match(cursor, /^[A-Za-z0-9_-]+$/, 'base64url, safe in a query string unescaped')
  t.same(decodeCursor(cursor, book, sort), ['x', 1, { composite: '["a",{"b":null}]' }, 'b1'])
  t.same(
    decodeCursor(cursorOf('Book', sort, { id: 'b2', meta: [1] }), book, sort),
    [null, null, null, 'b2'],
    'missing keys, and a path through an array, are null'
  )
  t.equal(sortText(sort), '-meta.rank,flag,tags')
  t.equal(sortText(undefined), '')
  t.throws(
    () => decodeCursor(cursor, metadata.entity('Author'), sort),
    new BadRequestError(
      'after: the cursor is not one this server issued for Author (made for another entity); pass a cursor exactly ' +
        "as this server gave it for Author (a stream line with cursor=true, or a list's next link)"
    )
  )
  t.throws(() => decodeCursor(cursor, book, sort.slice(0, 1)), {
    message: /^after: this cursor was made for sort=-meta.rank,flag,tags, not for sort=-meta.rank;/
  })
})

t.test('EntityApi lists and streams after a decoded cursor', async t => {
  const store = await openStore('memory:', { entities: storeEntities(metadata) })
  const relata = new Relata(metadata, store, { childLimit: 100 })
  t.teardown(() => relata.close())
  const books = relata.entity('Book')
  await relata.entity('Author').upsert([{ id: 'a1', name: 'Ann' }])
  await books.upsert(
    Array.from({ length: 12 }, (_, i) => ({ id: `b${String(i).padStart(2, '0')}`, title: `T${i % 4}`, authorId: 'a1' }))
  )
  const first = await books.list({ ...parseQuery(books.meta, { sort: '-title' }, metadata), page: 1, size: 5 })
  const order = ['b03', 'b07', 'b11', 'b02', 'b06', 'b10', 'b01', 'b05', 'b09', 'b00', 'b04', 'b08']
  t.same([first.items.map(b => (b as { id: string }).id), first.total], [order.slice(0, 5), 12])
  const second = await books.list({
    ...parseQuery(books.meta, { sort: '-title', after: first.next }, metadata),
    page: 1,
    size: 5
  })
  t.same(second.items.map(b => (b as { id: string }).id), order.slice(5, 10))
  const last = await books.list({
    ...parseQuery(books.meta, { sort: '-title', after: second.next }, metadata),
    page: 1,
    size: 5
  })
  t.same(
    [last.items.map(b => (b as { id: string }).id), last.total, last.next],
    [order.slice(10), 12, undefined],
    'the last page has no next cursor'
  )
  const lines = []
  for await (const batch of books.streamWithCursors({
    ...parseQuery(books.meta, { sort: '-title', with: 'authorId' }, metadata),
    batchSize: 4
  })) { lines.push(...batch) }
  t.same(lines.map(line => (line.data as { entity: { id: string } }).entity.id), order, 'graphs, each with its cursor')
  const rest = []
  for await (const batch of books.stream({
    ...parseQuery(books.meta, { sort: '-title', after: lines[7]!.cursor }, metadata),
    batchSize: 4
  })) { rest.push(...batch) }
  t.same(rest.map(b => (b as { id: string }).id), order.slice(8), 'a stream resumes after a line')
})
