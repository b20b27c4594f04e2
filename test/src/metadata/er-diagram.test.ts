import t from 'tap'
import { Type } from 'typebox'
import { erDiagram } from '../../../src/metadata/er-diagram.js'
import { defineModel, Parent } from '../../../src/model/model.js'
import { buildMetadata } from '../../../src/relata.js'
import { sampleModel } from '../../../src/sample/sample-model.js'

t.test('the sample model as an ER diagram', async t => {
  const diagram = erDiagram(buildMetadata(sampleModel))
  t.match(diagram, /^erDiagram\n/)
  t.match(diagram, '  Category |o--o{ Category : "parentId"', 'an optional, nullable reference may be absent')
  t.match(diagram, '  Order ||--o{ OrderItem : "orderId"')
  t.match(
    diagram,
    '  OrderItem {\n    string id PK\n    string orderId FK\n    string productId FK\n    integer quantity\n    ' +
      'number unitPrice\n  }'
  )
})

t.test('types come from unions and type arrays, else any', async t => {
  const model = defineModel({
    entities: {
      Thing: {
        schema: {
          type: 'object',
          required: ['id', 'ownerId'],
          properties: {
            id: { type: 'string' },
            ownerId: Parent('Owner', { type: ['string', 'null'] }),
            blob: {},
            tags: { anyOf: [{ type: 'null' }, { type: 'array' }] }
          }
        }
      },
      Owner: { schema: Type.Object({ id: Type.String() }) }
    }
  })
  const diagram = erDiagram(buildMetadata(model))
  t.match(diagram, '  Owner |o--o{ Thing : "ownerId"', 'a required but nullable reference may be null')
  t.match(diagram, '    any blob\n')
  t.match(diagram, '    array tags\n')
  t.match(diagram, '    string ownerId FK\n')
})

t.test('a reference by key shows the key it holds; unique key parts are UK', async t => {
  const model = defineModel({
    entities: {
      Product: {
        schema: Type.Object({ id: Type.String(), sku: Type.String({ 'x-unique': true }) })
      },
      OrderItem: {
        schema: Type.Object({
          id: Type.String(),
          productSku: { ...Parent('Product', Type.String()), 'x-parent-key': 'sku' },
          productId: Type.Optional(Parent('Product', Type.String()))
        })
      }
    }
  })
  const diagram = erDiagram(buildMetadata(model))
  t.match(diagram, '  Product ||--o{ OrderItem : "productSku → sku"', 'the line names the key')
  t.match(diagram, '  Product |o--o{ OrderItem : "productId"\n', 'a reference by id as before')
  t.match(diagram, '    string sku UK\n')
  t.match(diagram, '    string productSku FK "Product.sku"\n', 'the box says which key the reference holds')
  t.match(diagram, '    string productId FK\n')
})
