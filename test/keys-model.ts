// A model with unique keys: Product.sku alone, Warehouse (region, code) together; OrderLine
// parks while its Order is missing, so a conflict can meet a write that also parks.
import type { ModelDefinition } from '../src/model/model.js'

const str = { type: 'string', minLength: 1 }

export const keysModel: ModelDefinition = {
  entities: {
    Product: {
      schema: { type: 'object', properties: { id: str, sku: { ...str, 'x-unique': true }, name: str } }
    },
    Warehouse: {
      schema: {
        type: 'object',
        'x-unique-keys': [['region', 'code']],
        properties: { id: str, region: str, code: { type: 'integer' } }
      }
    },
    Order: { schema: { type: 'object', properties: { id: str, total: { type: 'number' } } } },
    OrderLine: {
      schema: {
        type: 'object',
        properties: {
          id: str,
          orderId: { ...str, 'x-parent': 'Order', 'x-on-missing-parent': 'park' },
          lineNo: { type: 'string', 'x-unique': true }
        }
      }
    }
  }
}
