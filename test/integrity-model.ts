// A model with every missing-parent policy: Order.customerId rejects, OrderItem.orderId and
// Category.parentId (a self-reference) park, OrderItem.productId allows (the default).
import type { ModelDefinition } from '../src/model/model.js'

const str = { type: 'string', minLength: 1 }

export const integrityModel: ModelDefinition = {
  entities: {
    Customer: { schema: { type: 'object', properties: { id: str, name: str } } },
    Product: { schema: { type: 'object', properties: { id: str, name: str } } },
    Order: {
      schema: {
        type: 'object',
        properties: {
          id: str,
          customerId: { ...str, 'x-parent': 'Customer', 'x-on-missing-parent': 'reject' },
          total: { type: 'number' }
        },
        required: ['customerId']
      }
    },
    OrderItem: {
      schema: {
        type: 'object',
        required: ['orderId'],
        properties: {
          id: str,
          orderId: { ...str, 'x-parent': 'Order', 'x-on-missing-parent': 'park' },
          productId: { ...str, 'x-parent': 'Product', 'x-on-missing-parent': 'allow' },
          secret: { type: 'string', 'x-internal': true }
        }
      }
    },
    Category: {
      schema: {
        type: 'object',
        properties: {
          id: str,
          name: str,
          parentId: { anyOf: [str, { type: 'null' }], 'x-parent': 'Category', 'x-on-missing-parent': 'park' }
        }
      }
    }
  }
}
