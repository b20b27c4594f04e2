// `fields` and `fields[<relationship>]` parsed against a `with` selection, on the library model:
// a child entity with two references to its parent, a self-reference, and no model at hand.
import t from 'tap'
import { parseQuery } from '../../../src/entities/query.js'
import { buildMetadata } from '../../../src/relata.js'
import { libraryModel } from '../../library-model.js'

const metadata = buildMetadata(libraryModel)
const author = metadata.entity('Author')
const employee = metadata.entity('Employee')

t.test('a child entity names each of its references; Child.refProp names one', async t => {
  const both = parseQuery(author, { with: 'Book', 'fields[Book]': 'title' } as never, metadata).fields!
  t.same(Object.keys(both.relatives!), ['Book.authorId', 'Book.coAuthorId'])
  t.same([...both.relatives!['Book.authorId']!.keep!], ['id', 'title'])
  t.equal(both.keep, undefined, 'the entity itself keeps everything')
  const one = parseQuery(author, { with: 'Book', 'fields[Book.coAuthorId]': 'title' } as never, metadata).fields!
  t.same(Object.keys(one.relatives!), ['Book.coAuthorId'])
  const merged = parseQuery(
    author,
    { with: 'Book', 'fields[Book]': 'title', 'fields[Book.coAuthorId]': 'authorId' } as never,
    metadata
  ).fields!
  t.same(
    [...merged.relatives!['Book.coAuthorId']!.keep!].sort(),
    ['authorId', 'id', 'title'],
    'two names for one place keep the union'
  )
  t.same([...merged.relatives!['Book.authorId']!.keep!].sort(), ['id', 'title'])
})

t.test('paths go through the selection, also where only some references lead on', async t => {
  const some = parseQuery(
    author,
    { with: 'Book.authorId,Book.coAuthorId.Review', 'fields[Book.Review]': 'stars' } as never,
    metadata
  ).fields!
  t.same(Object.keys(some.relatives!), ['Book.coAuthorId'], 'only the reference whose books have reviews loaded')
  t.same([...some.relatives!['Book.coAuthorId']!.relatives!['Review.bookId']!.keep!], ['id', 'stars'])
  const fields = parseQuery(
    author,
    { with: 'Book.coAuthorId.coAuthorId.Book', 'fields[Book.coAuthorId.coAuthorId.Book]': 'title' } as never,
    metadata
  ).fields!
  t.same(Object.keys(fields.relatives!), ['Book.coAuthorId'])
  t.same(Object.keys(fields.relatives!['Book.coAuthorId']!.relatives!), ['coAuthorId'])
  t.same(Object.keys(fields.relatives!['Book.coAuthorId']!.relatives!.coAuthorId!.relatives!), [
    'Book.authorId',
    'Book.coAuthorId'
  ])
  const self = parseQuery(
    employee,
    { with: 'all', depth: 2, 'fields[managerId.managerId]': 'name' } as never,
    metadata
  ).fields!
  t.same([...self.relatives!.managerId!.relatives!.managerId!.keep!], ['id', 'name'])
  t.equal(parseQuery(author, { with: 'all' } as never, metadata).fields, undefined, 'no fields, no selection')
})

t.test('what with loads is listed by the names fields accepts', async t => {
  t.throws(
    () => parseQuery(author, { with: 'Book.coAuthorId.coAuthorId.Book', 'fields[Review]': 'stars' } as never, metadata),
    {
      message:
        'fields[Review] names no relationship of Author that with loads; with loads Book, ' +
          'Book.coAuthorId.coAuthorId, Book.coAuthorId.coAuthorId.Book, Book.coAuthorId.coAuthorId.Book.authorId, ' +
          'Book.coAuthorId.coAuthorId.Book.coAuthorId'
    }
  )
  t.throws(
    () => parseQuery(employee, { with: 'all', depth: 4, 'fields[Employee.managerId.x]': 'name' } as never, metadata),
    { message: /with loads managerId, managerId\.managerId, .*, …$/ },
    'a long list is cut'
  )
  t.throws(() => parseQuery(author, { with: 'Book', 'fields[Book.Review]': 'stars' } as never, metadata), {
    message: /add Book\.Review to with/
  })
  t.throws(() => parseQuery(author, { with: 'Book', 'fields[]': 'title' } as never, metadata), {
    message: /^fields\[\] names no relationship/
  })
  t.throws(() => parseQuery(author, { with: 'Book', 'fields[Book,Book]': 'title' } as never, metadata), {
    message: /names no relationship/
  })
  t.throws(() => parseQuery(author, { with: 'Book', 'fields[all]': 'title' } as never, metadata), {
    message: /names no relationship/
  })
})

t.test('the entity itself keeps what fields lists, and id', async t => {
  t.same([...parseQuery(author, { fields: 'name' }, metadata).fields!.keep!], ['id', 'name'])
})

t.test('every name an error lists is accepted by fields[...]', async t => {
  for (const [entity, raw] of [
    ['Author', { with: 'all', depth: 3 }],
    ['Book', { with: 'all', depth: 2 }],
    ['Employee', { with: 'all', depth: 2 }],
    ['Author', { with: 'Book.coAuthorId.coAuthorId.Book.Review' }]
  ] as const) {
    const meta = metadata.entity(entity)
    let listed: string[] = []
    try {
      parseQuery(meta, { ...raw, 'fields[nothing]': 'id' } as never, metadata)
    } catch (err) {
      listed = /with loads (.*)$/
        .exec((err as Error).message)![1]!
        .split(', ')
        .filter(n => n !== '…')
    }
    t.ok(listed.length > 3, `${entity} ${raw.with}: ${listed.length} names`)
    for (const name of listed) {
      t.doesNotThrow(() => parseQuery(meta, { ...raw, [`fields[${name}]`]: 'id' } as never, metadata), name)
    }
  }
})
