// Unique keys are read and checked once at start-up; a bad declaration stops it with one line
// naming the entity and the property.
import t from 'tap'
import { ModelError } from '../../../src/errors.js'
import { RelationshipMetadata } from '../../../src/metadata/relationship-metadata.js'

function product (properties: Record<string, unknown>, root: Record<string, unknown> = {}) {
  return {
    entities: {
      Product: {
        schema: {
          type: 'object',
          ...root,
          properties: {
            id: { type: 'string' },
            sku: { type: 'string' },
            region: { type: 'string' },
            code: { type: 'integer' },
            secret: { type: 'string', writeOnly: true },
            ...properties
          }
        }
      }
    }
  }
}

t.test('x-unique and x-unique-keys become the unique keys, in order, without duplicates', async t => {
  const meta = new RelationshipMetadata(product(
    { sku: { type: 'string', 'x-unique': true }, ean: { type: ['string', 'null'], 'x-unique': true } },
    { 'x-unique-keys': [['region', 'code'], ['sku']] }
  ) as never).entity('Product')
  t.same(meta.uniqueKeys, [['sku'], ['ean'], ['region', 'code']])
  t.same(new RelationshipMetadata(product({}) as never).entity('Product').uniqueKeys, [])
})

t.test('a bad unique key stops start-up naming the entity and the property', async t => {
  const cases: Array<[Record<string, unknown>, Record<string, unknown>, RegExp]> = [
    [{ sku: { type: 'string', 'x-unique': 'yes' } }, {}, /entity 'Product' property 'sku': "x-unique" must be true/],
    [{ id: { type: 'string', 'x-unique': true } }, {}, /'id' is always unique/],
    [{ tags: { type: 'array', 'x-unique': true } }, {}, /property 'tags' has "x-unique": a unique key property must be a string, integer or number/],
    [{ flag: { type: 'boolean', 'x-unique': true } }, {}, /must be a string, integer or number/],
    [{ secret: { type: 'string', writeOnly: true, 'x-unique': true } }, {}, /a hidden property cannot be a unique key/],
    [{}, { 'x-unique-keys': 'sku' }, /"x-unique-keys" must be an array of keys/],
    [{}, { 'x-unique-keys': [[]] }, /"x-unique-keys"\[0\]: a key is a non-empty array of property names/],
    [{}, { 'x-unique-keys': [['region', 'nope']] }, /property 'nope' in "x-unique-keys"\[0\]: unknown property 'nope'; the entity has id, sku/],
    [{}, { 'x-unique-keys': [['region', 'region']] }, /property 'region' in "x-unique-keys"\[0\]: a property may appear once/]
  ]
  for (const [properties, root, message] of cases) {
    t.throws(() => new RelationshipMetadata(product(properties, root) as never), ModelError, message.source)
    t.throws(() => new RelationshipMetadata(product(properties, root) as never), { message }, message.source)
  }
})
