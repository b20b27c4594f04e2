// The x-on-missing-parent keyword is checked at start-up: a bad value, a policy on a property
// that references nothing, and an entity named like a parked collection stop the model.
import t from 'tap'
import { ModelError } from '../../../src/errors.js'
import { buildMetadata } from '../../../src/relata.js'
import { integrityModel } from '../../integrity-model.js'

const entity = (properties: Record<string, unknown>) => ({ schema: { type: 'object', properties } })

t.test('policies are read into the parent relationships, allow by default', async t => {
  const metadata = buildMetadata(integrityModel)
  t.equal(metadata.entity('Order').parents[0]!.onMissingParent, 'reject')
  t.same(metadata.entity('OrderItem').parents.map(p => p.onMissingParent), ['park', 'allow'])
  t.equal(
    buildMetadata({ entities: { A: entity({}), B: entity({ aId: { type: 'string', 'x-parent': 'A' } }) } }).entity('B')
      .parents[0]!.onMissingParent,
    'allow'
  )
})

t.test('a bad policy is a ModelError naming entity and property', async t => {
  t.throws(
    () =>
      buildMetadata({
        entities: {
          A: entity({}),
          B: entity({ aId: { type: 'string', 'x-parent': 'A', 'x-on-missing-parent': 'drop' } })
        }
      }),
    new ModelError('entity \'B\' property \'aId\': "x-on-missing-parent" is "drop"; use one of allow, reject, park')
  )
  t.throws(
    () => buildMetadata({ entities: { A: entity({ name: { type: 'string', 'x-on-missing-parent': 'park' } }) } }),
    { name: 'ModelError', message: /entity 'A' property 'name' declares "x-on-missing-parent" but no "x-parent"/ }
  )
  t.throws(
    () =>
      buildMetadata({
        entities: {
          A: entity({}),
          B: entity({ aId: { type: 'string', 'x-parent': 'A', 'x-on-missing-parent': 'park' } }),
          Parked_B: entity({})
        }
      }),
    { name: 'ModelError', message: /entity 'Parked_B' has the name that holds the parked records of 'B'/ }
  )
})
