// One shop modelled twice in one model, for comparing reads through key references with reads
// through ids: Customer, Order, Product and OrderItem reference their parents by id; KCustomer,
// KOrder, KProduct and KOrderItem hold the same documents (same ids, same sizes) but reference
// their parents by a unique key (`x-parent-key`): a customer's `code`, an order's `number`, a
// product's `sku`, each as long as the id it stands for (`c-00017` / `K-00017`).
import type { EntityDefinition, ModelDefinition } from '../../src/model/model.js'
import type { Doc } from '../../src/store/store.js'

export const ITEMS_PER_ORDER = 3

interface Twin { name: string, route: string, key: string, refs: Record<string, string> }

const TWINS: readonly Twin[] = [
  { name: 'Customer', route: 'customers', key: 'code', refs: {} },
  { name: 'Product', route: 'products', key: 'sku', refs: {} },
  { name: 'Order', route: 'orders', key: 'number', refs: { customerRef: 'Customer' } },
  { name: 'OrderItem', route: 'order-items', key: 'line', refs: { orderRef: 'Order', productRef: 'Product' } }
]

function entity ({ route, key, refs }: Twin, byKey: boolean): EntityDefinition {
  const properties: Record<string, object> = {
    id: { type: 'string' },
    [key]: { type: 'string', 'x-unique': true },
    label: { type: 'string' },
    amount: { type: 'number' }
  }
  for (const [property, parent] of Object.entries(refs)) {
    const parentKey = TWINS.find(t => t.name === parent)!.key
    properties[property] = byKey
      ? { type: 'string', 'x-parent': `K${parent}`, 'x-parent-key': parentKey }
      : { type: 'string', 'x-parent': parent }
  }
  return { route: byKey ? `k${route}` : route, schema: { type: 'object', properties } }
}

export const twinShopModel: ModelDefinition = {
  entities: Object.fromEntries(TWINS.flatMap(twin => [
    [twin.name, entity(twin, false)],
    [`K${twin.name}`, entity(twin, true)]
  ]))
}

export interface TwinSize { orders: number, customers: number, products: number }

export function twinSize (orders: number): TwinSize {
  return { orders, customers: Math.max(20, Math.round(orders / 10)), products: 500 }
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0')
export const customerId = (n: number): string => `c-${pad(n, 6)}`
export const productId = (n: number): string => `p-${pad(n, 5)}`
export const orderId = (n: number): string => `o-${pad(n, 7)}`

/** The key that stands for an id in the K entities: its first letter swapped for a capital. */
export function keyOf (id: string): string {
  return `${id[0]!.toUpperCase()}${id.slice(1)}`
}

/** The documents of entity `name` (`Order`…), `byKey` for its K twin: references hold keys then. */
export function * twinDocs (name: string, size: TwinSize, byKey: boolean): Generator<Doc> {
  const ref = (id: string): string => byKey ? keyOf(id) : id
  const doc = (id: string, n: number, refs: Record<string, string>): Doc =>
    ({ id, [TWINS.find(t => t.name === name)!.key]: keyOf(id), label: `${name} ${n}`, amount: n % 97, ...refs })
  if (name === 'Customer') for (let n = 1; n <= size.customers; n++) yield doc(customerId(n), n, {})
  if (name === 'Product') for (let n = 1; n <= size.products; n++) yield doc(productId(n), n, {})
  if (name === 'Order') {
    for (let n = 1; n <= size.orders; n++) {
      yield doc(orderId(n), n, { customerRef: ref(customerId(1 + (n % size.customers))) })
    }
  }
  if (name === 'OrderItem') {
    for (let n = 1; n <= size.orders; n++) {
      for (let i = 1; i <= ITEMS_PER_ORDER; i++) {
        const id = `i-${pad(n, 7)}-${i}`
        yield doc(id, n, { orderRef: ref(orderId(n)), productRef: ref(productId(1 + ((n * 7 + i) % size.products))) })
      }
    }
  }
}

export const TWIN_NAMES = TWINS.map(t => t.name)
