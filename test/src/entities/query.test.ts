import t from 'tap'
import { parseQuery } from '../../../src/entities/query.js'
import { BadRequestError } from '../../../src/errors.js'
import { buildMetadata } from '../../../src/relata.js'
import { libraryModel } from '../../library-model.js'

const metadata = buildMetadata(libraryModel)
const book = metadata.entity('Book')

t.test('child limits and sorts from text, as the command line passes them', async t => {
  const parsed = parseQuery(book, { with: 'Review', 'limit[Review]': '2', 'sort[Review]': '-stars' } as never, metadata)
  t.same(parsed.children, { Review: { limit: 2, sort: [{ field: 'stars', desc: true }] } })
  t.equal(
    parseQuery(book, { with: 'Review', 'limit[Review]': '' } as never, metadata).children,
    undefined,
    'empty values are absent'
  )
  t.throws(() => parseQuery(book, { with: 'Review', 'limit[Review]': '1.5' } as never, metadata), BadRequestError)
})

t.test('relation filters resolve child relationships through the model', async t => {
  const parsed = parseQuery(
    metadata.entity('Author'),
    { filter: '{"Book":{"$some":{"Review":{"$none":{"stars":1}}}},"name":"Ann"}' },
    metadata
  )
  const reviews = {
    op: 'none',
    child: 'Review',
    refProperty: 'bookId',
    condition: { op: 'eq', field: 'stars', value: 1 }
  }
  t.same(
    parsed.filter,
    {
      op: 'and',
      conditions: [
        {
          op: 'or',
          conditions: [
            { op: 'some', child: 'Book', refProperty: 'authorId', condition: reviews },
            { op: 'some', child: 'Book', refProperty: 'coAuthorId', condition: reviews }
          ]
        },
        { op: 'eq', field: 'name', value: 'Ann' }
      ]
    },
    'a child entity stands for each of its references: $some through any'
  )
  const none = parseQuery(metadata.entity('Author'), { filter: '{"Book":{"$none":{}}}' }, metadata)
  t.same(
    none.filter,
    {
      op: 'and',
      conditions: [
        { op: 'none', child: 'Book', refProperty: 'authorId' },
        { op: 'none', child: 'Book', refProperty: 'coAuthorId' }
      ]
    },
    '$none through none; {} is any child'
  )
  const one = parseQuery(metadata.entity('Employee'), { filter: '{"Employee.managerId":{"$some":{}}}' }, metadata)
  t.same(
    one.filter,
    { op: 'some', child: 'Employee', refProperty: 'managerId' },
    'one reference, here a self-reference'
  )
  t.throws(
    () => parseQuery(metadata.entity('Review'), { filter: '{"Book":{"$some":{}}}' }, metadata),
    /unknown property 'Book'; filterable properties are id, bookId, stars$/,
    'a parent is no child relationship; an entity without children lists none'
  )
})
