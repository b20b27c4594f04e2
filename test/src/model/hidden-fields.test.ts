import t from 'tap'
import { Type } from 'typebox'
import { RelationshipMetadata } from '../../../src/metadata/relationship-metadata.js'
import { HiddenFields } from '../../../src/model/hidden-fields.js'

const metadata = new RelationshipMetadata({
  entities: {
    Plain: { schema: Type.Object({ id: Type.String(), name: Type.String() }) },
    User: {
      schema: Type.Object({
        id: Type.String(),
        token: Type.String({ 'x-internal': true }),
        pin: Type.String({ writeOnly: true })
      })
    }
  }
})

t.test('derives the hidden properties from the model', async t => {
  t.same(metadata.entity('User').hidden, ['token', 'pin'])
  t.same(metadata.entity('User').properties, ['id'], 'filters and sorts only see visible properties')
  t.same(metadata.entity('Plain').hidden, [])
})

t.test('projects documents of entities with hidden properties, and no others', async t => {
  const hidden = new HiddenFields(metadata)
  t.equal(hidden.hides('Plain'), false, 'no projector: no work on the hot path')
  t.equal(hidden.hides('User'), true)
  const docs = [{ id: 'p', name: 'x' }]
  t.equal(hidden.all('Plain', docs), docs, 'the same array, untouched')
  const user = JSON.parse('{"id":"u","token":"t","pin":"1","__proto__":{"polluted":true}}') as { id: string }
  const [visible] = hidden.all('User', [user])
  t.same(Object.keys(visible!), ['id', '__proto__'])
  t.equal(Object.getPrototypeOf(visible), Object.prototype, 'a stored __proto__ key stays data')
  t.equal(({} as { polluted?: boolean }).polluted, undefined)
})
