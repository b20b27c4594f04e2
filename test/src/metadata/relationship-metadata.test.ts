import t from 'tap'
import { Type } from 'typebox'
import { RelationshipMetadata } from '../../../src/metadata/relationship-metadata.js'
import { ModelError } from '../../../src/errors.js'
import { sampleModel } from '../../../src/sample/sample-model.js'
import { libraryModel } from '../../library-model.js'

t.test('derives parents and children by reverse lookup', async t => {
  const meta = new RelationshipMetadata(libraryModel)
  t.same(
    meta.entity('Book').parents.map(p => [p.property, p.target]),
    [
      ['authorId', 'Author'],
      ['coAuthorId', 'Author']
    ]
  )
  t.same(meta.entity('Author').children.map(c => c.key), ['Book.authorId', 'Book.coAuthorId'])
  t.same(meta.entity('Book').children.map(c => c.key), ['Review.bookId'])
  t.same(meta.entity('Employee').parents.map(p => p.property), ['managerId'])
  t.same(meta.entity('Employee').children.map(c => c.key), ['Employee.managerId'])
  t.same(meta.entity('Book').refProperties, ['authorId', 'coAuthorId'])
  t.ok(Object.isFrozen(meta.entity('Book').parents), 'metadata is frozen')
})

t.test('routes default to kebab-case plurals and can be set', async t => {
  const meta = new RelationshipMetadata(sampleModel)
  t.same(meta.all().map(e => e.route), ['categories', 'customers', 'products', 'orders', 'order-items'])
  const custom = new RelationshipMetadata({
    entities: { Person: { route: 'folks', schema: Type.Object({ name: Type.String() }) } }
  })
  t.equal(custom.byRoute('folks')?.name, 'Person')
})

t.test('adds a required string id when the schema has none', async t => {
  const meta = new RelationshipMetadata({ entities: { Note: { schema: Type.Object({ text: Type.String() }) } } })
  const note = meta.entity('Note')
  t.same(note.schema.required, ['id', 'text'])
  t.same(note.inputSchema.required, ['text'])
  t.same(note.properties, ['id', 'text'])
})

t.test('refuses inconsistent models, naming entity and property', async t => {
  const cases: Array<[string, object, RegExp]> = [
    [
      'unknown parent',
      { Order: { schema: Type.Object({ customerId: Parent('Custmer') }) } },
      /entity 'Order' property 'customerId' references unknown entity 'Custmer'/
    ],
    [
      'non-string reference',
      { A: { schema: Type.Object({}) }, B: { schema: Type.Object({ aId: Type.Integer({ 'x-parent': 'A' }) }) } },
      /entity 'B' property 'aId' references 'A' but is not a string/
    ],
    [
      'duplicate route',
      { A: { route: 'x', schema: Type.Object({}) }, B: { route: 'x', schema: Type.Object({}) } },
      /entities 'A' and 'B' both use route 'x'/
    ],
    ['bad route', { A: { route: 'No Way', schema: Type.Object({}) } }, /entity 'A' has route 'No Way'/],
    ['non-object schema', { A: { schema: Type.String() } }, /entity 'A': schema must be an object schema/],
    ['numeric id', { A: { schema: Type.Object({ id: Type.Number() }) } }, /entity 'A' property 'id' must be a string/],
    [
      'bad entity name',
      { 'my entity': { schema: Type.Object({}) } },
      /entity name 'my entity' must be an identifier: a letter or _, then letters, digits and _$/
    ],
    [
      'route starting with _',
      { A: { route: '_foo', schema: Type.Object({}) } },
      /^entity 'A' has route '_foo', which is not a usable path segment: a route starts with a lowercase letter or digit and goes on with lowercase letters, digits, - and _ \(routes starting with _ are the server's own, like \/api\/_model\)$/
    ],
    [
      'a reserved route',
      { A: { route: '_model', schema: Type.Object({}) } },
      /route '_model', which is not a usable path segment: a route starts with a lowercase letter/
    ],
    ['empty model', {}, /declares no entities/],
    [
      'a property named like a child entity',
      { A: { schema: Type.Object({ B: Type.String() }) }, B: { schema: Type.Object({ aId: Parent('A') }) } },
      /entity 'A': property 'B' has the same name as its child entity 'B', which makes \?with= and \?filter= ambiguous/
    ]
  ]
  for (const [name, entities, message] of cases) {
    t.throws(() => new RelationshipMetadata({ entities } as never), { name: ModelError.name, message }, name)
  }
})

t.test('entity() names the known entities when asked for an unknown one', async t => {
  const meta = new RelationshipMetadata(libraryModel)
  t.throws(() => meta.entity('Nope'), /unknown entity 'Nope'; the model has Author, Book, Review, Employee/)
})

function Parent (target: string) {
  return Type.String({ 'x-parent': target })
}
