// A shop fed by source systems: customers come from the CRM and the webshop, the rest from the
// webshop, whose order lines name orders and products by its own ids. Order.customerId and
// OrderItem.orderId park, OrderItem.productId allows, Order.channelId (to an entity taking no
// source ids: Relata ids even in a webshop write) rejects.
import type { ModelDefinition } from '../../src/model/model.js'

const str = { type: 'string', minLength: 1 }

export const sourceModel: ModelDefinition = {
  entities: {
    Channel: { schema: { type: 'object', properties: { id: str, name: str } } },
    Customer: { schema: { type: 'object', 'x-sources': ['crm', 'shop'], properties: { id: str, name: str } } },
    Product: { schema: { type: 'object', 'x-sources': ['shop'], properties: { id: str, name: str } } },
    Order: {
      schema: {
        type: 'object',
        'x-sources': ['shop'],
        properties: {
          id: str,
          customerId: { ...str, 'x-parent': 'Customer', 'x-on-missing-parent': 'park' },
          channelId: { ...str, 'x-parent': 'Channel', 'x-on-missing-parent': 'reject' },
          total: { type: 'number' }
        }
      }
    },
    OrderItem: {
      schema: {
        type: 'object',
        'x-sources': ['shop'],
        properties: {
          id: str,
          orderId: { ...str, 'x-parent': 'Order', 'x-on-missing-parent': 'park' },
          productId: { ...str, 'x-parent': 'Product' },
          quantity: { type: 'integer' }
        }
      }
    }
  }
}
