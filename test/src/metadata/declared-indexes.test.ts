// Declared indexes are read and checked once at start-up; a bad declaration stops it with one
// line naming the entity and the property.
import t from 'tap'
import { ModelError } from '../../../src/errors.js'
import { RelationshipMetadata } from '../../../src/metadata/relationship-metadata.js'
import { indexNotes } from '../../../src/metadata/declared-indexes.js'

function order (properties: Record<string, unknown>, root: Record<string, unknown> = {}) {
  return {
    entities: {
      Order: {
        schema: {
          type: 'object',
          ...root,
          properties: {
            id: { type: 'string' },
            status: { type: 'string' },
            createdAt: { type: 'string' },
            secret: { type: 'string', writeOnly: true },
            ...properties
          }
        }
      }
    }
  }
}

t.test('x-index and x-indexes become the entity indexes, in order, without duplicates', async t => {
  const meta = new RelationshipMetadata(order(
    { total: { type: 'number', 'x-index': true }, status: { type: 'string', 'x-index': true } },
    { 'x-indexes': [['status', '-createdAt'], ['total']] }
  ) as never).entity('Order')
  t.same(meta.indexes, [
    [{ field: 'status', desc: false }],
    [{ field: 'total', desc: false }],
    [{ field: 'status', desc: false }, { field: 'createdAt', desc: true }]
  ])
  t.same(indexNotes(meta.indexes), {
    filter: 'Index-backed: equality and ranges on `status`, `total` (declared indexes).',
    sort: 'Index-backed: `status`, `total`, `status,-createdAt`, and sorts that begin with one of them ' +
      '(declared indexes).'
  })
  const none = new RelationshipMetadata(order({}) as never).entity('Order')
  t.same(none.indexes, [])
})

t.test('a bad declaration is refused with a line naming entity and property', async t => {
  const cases: Array<[string, ReturnType<typeof order>, RegExp]> = [
    ['unknown property', order({}, { 'x-indexes': [['status', '-placedAt']] }),
      /^entity 'Order' property 'placedAt' in "x-indexes"\[0\]: unknown property 'placedAt'; indexable properties are id, status, createdAt$/],
    ['hidden property', order({ secret: { type: 'string', writeOnly: true, 'x-index': true } }),
      /^entity 'Order' property 'secret' has "x-index": unknown property 'secret'/],
    ['x-index not a boolean', order({ status: { type: 'string', 'x-index': 'yes' } }),
      /^entity 'Order' property 'status': "x-index" must be true or false$/],
    ['x-indexes not an array', order({}, { 'x-indexes': 'status' }), /^entity 'Order' "x-indexes" must be an array/],
    ['empty index', order({}, { 'x-indexes': [[]] }), /^entity 'Order' "x-indexes"\[0\]: an index is a non-empty array/],
    ['not a name', order({}, { 'x-indexes': [['status', 3]] }), /^entity 'Order' "x-indexes"\[0\]: 3 is not a property/],
    ['twice', order({}, { 'x-indexes': [['status', '-status']] }),
      /^entity 'Order' property 'status' in "x-indexes"\[0\]: a property may appear once in an index$/],
    ['id', order({ id: { type: 'string', 'x-index': true } }), /property 'id' has "x-index": 'id' is always indexed/]
  ]
  for (const [name, model, message] of cases) {
    t.throws(() => new RelationshipMetadata(model as never), { name: ModelError.name, message }, name)
  }
})
