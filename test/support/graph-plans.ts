// Graph plans of the sample shop, as the store is asked for them, for the tests and benches that
// call a store's graph reads directly.
import type { GraphPlan } from '../../src/store/graph-plan.js'

/** An order with its items (at most 5), as `GET /api/orders/:id?with=OrderItem` asks the store for it. */
export const ORDER_ITEMS: GraphPlan = {
  hidden: [],
  parents: [],
  children: [{
    child: 'OrderItem', property: 'orderId', parentKey: 'id', key: 'OrderItem.orderId', limit: 5, below: { hidden: [] }
  }],
  counts: []
}
