// The model of the healing benches: order items that park while their order is missing.
import type { ModelDefinition } from '../../src/model/model.js'
import { buildMetadata } from '../../src/relata.js'

export const parkingModel: ModelDefinition = {
  entities: {
    Order: { schema: { type: 'object', properties: { id: { type: 'string' }, total: { type: 'number' } } } },
    OrderItem: {
      schema: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          orderId: { type: 'string', 'x-parent': 'Order', 'x-on-missing-parent': 'park' },
          quantity: { type: 'integer' }
        }
      }
    }
  }
}

export const parkingMetadata = buildMetadata(parkingModel)
