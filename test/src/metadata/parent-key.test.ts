// A reference may hold a parent's unique key instead of its id (`x-parent-key`); the metadata
// carries which property it holds, on both sides, and a key that cannot identify one parent
// stops start-up naming the reference.
import t from 'tap'
import { ModelError } from '../../../src/errors.js'
import { RelationshipMetadata } from '../../../src/metadata/relationship-metadata.js'

function shop (line: Record<string, unknown>, product: Record<string, unknown> = {}) {
  return {
    entities: {
      Product: {
        schema: {
          type: 'object',
          properties: {
            sku: { type: 'string', 'x-unique': true },
            ean: { type: 'integer', 'x-unique': true },
            region: { type: 'string' },
            code: { type: 'string' },
            ...product
          },
          'x-unique-keys': [['region', 'code']]
        }
      },
      Line: { schema: { type: 'object', properties: { qty: { type: 'integer' }, ...line } } }
    }
  }
}

t.test('x-parent-key names the parent property a reference holds; without it the reference holds the id', async t => {
  const meta = new RelationshipMetadata(shop({
    productSku: { type: 'string', 'x-parent': 'Product', 'x-parent-key': 'sku' },
    productId: { type: 'string', 'x-parent': 'Product' }
  }) as never)
  t.same(meta.entity('Line').parents.map(p => [p.property, p.parentKey]), [['productSku', 'sku'], ['productId', 'id']])
  t.same(meta.entity('Product').children.map(c => [c.key, c.parentKey]),
    [['Line.productSku', 'sku'], ['Line.productId', 'id']])
  const explicit = new RelationshipMetadata(shop({
    productId: { type: 'string', 'x-parent': 'Product', 'x-parent-key': 'id' }
  }) as never)
  t.equal(explicit.entity('Line').parents[0]!.parentKey, 'id')
})

t.test('a key that cannot identify one parent stops start-up naming the reference', async t => {
  const ref = (key: unknown) => ({ ref: { type: 'string', 'x-parent': 'Product', 'x-parent-key': key } })
  const cases: Array<[Record<string, unknown>, Record<string, unknown>, RegExp]> = [
    [ref('region'), {}, /entity 'Line' property 'ref' has "x-parent-key" 'region', which is not a unique property of 'Product' \(declare it with "x-unique": true\); its unique properties: sku, ean/],
    [ref('code'), {}, /'code', which is not a unique property/],
    [ref('nope'), {}, /'nope', which is not a unique property of 'Product'/],
    [ref('ean'), {}, /'Product.ean' is not a string; a reference holds a string/],
    [ref(''), {}, /entity 'Line' property 'ref': "x-parent-key" must name a unique property of 'Product'/],
    [ref(['sku']), {}, /"x-parent-key" must name a unique property/],
    [{ ref: { type: 'string', 'x-parent-key': 'sku' } }, {}, /entity 'Line' property 'ref' declares "x-parent-key" but no "x-parent"/],
    [ref('sku'), { sku: { type: 'string' } }, /its unique properties: ean/]
  ]
  for (const [line, product, message] of cases) {
    t.throws(() => new RelationshipMetadata(shop(line, product) as never), ModelError, message.source)
    t.throws(() => new RelationshipMetadata(shop(line, product) as never), { message }, message.source)
  }
})
