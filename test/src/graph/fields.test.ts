// trimFields makes trimmed copies: the graphs and store documents it is given are shared and stay
// as they are, a shared relative is trimmed once, and a stored `__proto__` key stays data.
import t from 'tap'
import { trimFields, type FieldSelection } from '../../../src/graph/fields.js'
import type { Graph, Selection } from '../../../src/graph/graph.js'
import { normalize } from '../../../src/graph/normalize.js'
import { buildMetadata } from '../../../src/relata.js'
import type { Doc } from '../../../src/store/store.js'
import { libraryModel } from '../../library-model.js'

const metadata = buildMetadata(libraryModel)
const book = metadata.entity('Book')
const author = metadata.entity('Author')
const keep = (...names: string[]): ReadonlySet<string> => new Set(['id', ...names])

t.test('inputs are never changed; a shared parent becomes one trimmed copy', async t => {
  const ann: Doc = { id: 'a1', name: 'Ann' }
  const books: Graph[] = [
    { entity: { id: 'b1', title: 'One', authorId: 'a1' }, parents: { authorId: ann, coAuthorId: null }, children: {} },
    { entity: { id: 'b2', title: 'Two', authorId: 'a1' }, parents: { authorId: ann, coAuthorId: null }, children: {} }
  ]
  const before = structuredClone(books)
  const selection: Selection = { parents: book.parents, children: [] }
  const fields: FieldSelection = {
    keep: keep('title'),
    relatives: { authorId: { keep: keep() }, coAuthorId: { keep: keep('name') } }
  }
  const trimmed = trimFields(books, fields, selection) as Graph[]
  t.same(trimmed.map(g => [g.entity, g.parents]), [
    [{ id: 'b1', title: 'One' }, { authorId: { id: 'a1' }, coAuthorId: null }],
    [{ id: 'b2', title: 'Two' }, { authorId: { id: 'a1' }, coAuthorId: null }]
  ])
  t.equal(trimmed[0]!.parents.authorId, trimmed[1]!.parents.authorId, 'trimmed once, shared like the original')
  t.same(books, before, 'the input graphs and documents are unchanged')
  t.equal(trimFields(books, undefined, selection), books, 'no fields: the same items')
})

t.test('children through two references of one entity are trimmed each by its own fields', async t => {
  const graph: Graph = {
    entity: { id: 'a1', name: 'Ann' },
    parents: {},
    children: {
      Book: {
        authorId: [{ id: 'b1', title: 'One', authorId: 'a1' }],
        coAuthorId: [{ id: 'b2', title: 'Two', coAuthorId: 'a1' }]
      }
    },
    meta: { children: { 'Book.authorId': { total: 1, returned: 1 }, 'Book.coAuthorId': { total: 1, returned: 1 } } }
  }
  const selection: Selection = { parents: [], children: author.children }
  const [trimmed] = trimFields(
    [graph],
    { relatives: { 'Book.authorId': { keep: keep('title') }, 'Book.coAuthorId': { keep: keep('coAuthorId') } } },
    selection
  ) as Graph[]
  t.same(trimmed!.children, {
    Book: { authorId: [{ id: 'b1', title: 'One' }], coAuthorId: [{ id: 'b2', coAuthorId: 'a1' }] }
  })
  t.equal(trimmed!.entity, graph.entity, 'an entity without a field list is the same object')
  t.equal(trimmed!.meta, graph.meta)
  t.same(graph.children.Book!.authorId, [{ id: 'b1', title: 'One', authorId: 'a1' }], 'unchanged')
  const [untouched] = trimFields(
    [graph],
    { relatives: { 'Book.authorId': { keep: keep('title') } } },
    selection
  ) as Graph[]
  t.equal(
    untouched!.children.Book!.coAuthorId,
    graph.children.Book!.coAuthorId,
    'a list without fields is shared, not copied'
  )
})

t.test('a stored __proto__ key stays plain data in a copy and in a normalized union', async t => {
  const doc = JSON.parse('{"id":"a1","name":"Ann","__proto__":{"polluted":true}}') as Doc
  const [copy] = trimFields([doc], { keep: keep('__proto__') }, undefined) as Doc[]
  t.same(Object.keys(copy!), ['id', '__proto__'])
  t.equal(Object.getPrototypeOf(copy), Object.prototype)
  const a: Graph = { entity: { id: 'b1' }, parents: { authorId: { id: 'a1', name: 'Ann' } }, children: {} }
  const b: Graph = { entity: { id: 'b2' }, parents: { authorId: doc }, children: {} }
  const { included } = normalize([a, b], { parents: [book.parents[0]!], children: [] })
  t.same(Object.keys(included.Author!.a1!), ['id', 'name', '__proto__'])
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})
