// The library applies an entity scope without HTTP: parseQuery refuses names outside it with
// ForbiddenError and expands `all` within it; describeModel and erDiagram show only its part.
import t from 'tap'
import { parseQuery } from '../../../src/entities/query.js'
import { ForbiddenError } from '../../../src/errors.js'
import { EntityScope } from '../../../src/metadata/entity-scope.js'
import { erDiagram } from '../../../src/metadata/er-diagram.js'
import { describeModel } from '../../../src/metadata/model-description.js'
import { buildMetadata } from '../../../src/relata.js'
import { sampleModel } from '../../../src/sample/sample-model.js'

const metadata = buildMetadata(sampleModel)
const order = metadata.entity('Order')
const scope = new EntityScope(['OrderItem', 'Order'])

t.test('names outside the scope are ForbiddenErrors naming the entity; all stays inside', async t => {
  const refused: Array<[Record<string, string>, string, string]> = [
    [{ with: 'customerId' }, 'Customer', '/with'],
    [{ with: 'OrderItem.productId' }, 'Product', '/with'],
    [{ filter: '{"OrderItem":{"$some":{}}}', with: 'all', 'fields[customerId]': 'name' },
      'Customer', '/fields[customerId]']
  ]
  for (const [raw, entity, path] of refused) {
    const errors = [{ path, message: `reaches ${entity}, outside the API key's entities` }]
    t.throws(() => parseQuery(order, raw, metadata, scope), new ForbiddenError('', entity, errors), JSON.stringify(raw))
  }
  const all = parseQuery(order, { with: 'all', depth: 2 }, metadata, scope).selection!
  t.same(all.parents, [])
  t.same(all.children.map(c => c.key), ['OrderItem.orderId'])
  t.same(all.nested?.['OrderItem.orderId']?.parents.map(p => p.property), ['orderId'], 'productId leads outside')
  const unscoped = parseQuery(order, { with: 'all' }, metadata).selection!
  t.same(unscoped.parents.map(p => p.property), ['customerId'], 'without a scope, everything')
  t.same(new EntityScope(['b', 'a', 'b']).names, ['a', 'b'])
  t.equal(EntityScope.EVERY.allows('Anything'), true)
})

t.test('the model description and diagram of a scope', async t => {
  const described = describeModel(metadata, scope).entities.map(e => [e.name, e.parents.length, e.children.length])
  t.same(described, [['Order', 0, 1], ['OrderItem', 1, 0]])
  const lines = erDiagram(metadata, scope).split('\n').filter(line => line.includes('--'))
  t.same(lines, ['  Order ||--o{ OrderItem : "orderId"'])
})
