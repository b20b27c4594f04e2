// Deterministic sample data for the shop model, sized by the caller: the server seeds a small
// set into an empty store, the benches and tests generate larger ones.
import type { Doc } from '../store/store.js'

export interface SampleSize {
  customers: number
  products: number
  orders: number
  itemsPerOrder: number
}

export const SEED_SIZE: SampleSize = { customers: 20, products: 40, orders: 100, itemsPerOrder: 3 }

const CITIES = ['Lisbon', 'Oslo', 'Turin', 'Ghent', 'Kraków', 'Porto', 'Lyon']
const STATUSES = ['open', 'paid', 'shipped', 'cancelled'] as const

/** A small linear congruential generator, so every run produces the same data. */
function random (seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
}

export function sampleCategories (): Doc[] {
  return [
    { id: 'cat-1', name: 'Kitchen', parentId: null },
    { id: 'cat-2', name: 'Garden', parentId: null },
    { id: 'cat-3', name: 'Cookware', parentId: 'cat-1' },
    { id: 'cat-4', name: 'Knives', parentId: 'cat-1' },
    { id: 'cat-5', name: 'Tools', parentId: 'cat-2' },
    { id: 'cat-6', name: 'Seeds', parentId: 'cat-2' }
  ]
}

export function sampleCustomers (count: number): Doc[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `cust-${i + 1}`,
    name: `Customer ${i + 1}`,
    email: `customer${i + 1}@example.com`,
    city: CITIES[i % CITIES.length]!
  }))
}

export function sampleProducts (count: number): Doc[] {
  const next = random(7)
  return Array.from({ length: count }, (_, i) => ({
    id: `prod-${i + 1}`,
    name: `Product ${i + 1}`,
    price: Math.round(next() * 10000) / 100,
    categoryId: `cat-${3 + (i % 4)}`
  }))
}

/** Orders `from`..`from+count-1` with their items, for generating big sets in slices. */
export function sampleOrders (size: SampleSize, from = 1, count = size.orders): { orders: Doc[], items: Doc[] } {
  const next = random(from)
  const orders: Doc[] = []
  const items: Doc[] = []
  for (let n = from; n < from + count; n++) {
    const orderId = `ord-${n}`
    let total = 0
    for (let k = 1; k <= size.itemsPerOrder; k++) {
      const quantity = 1 + Math.floor(next() * 5)
      const unitPrice = Math.round(next() * 10000) / 100
      total += quantity * unitPrice
      items.push({
        id: `item-${n}-${k}`,
        orderId,
        productId: `prod-${1 + Math.floor(next() * size.products)}`,
        quantity,
        unitPrice
      })
    }
    orders.push({
      id: orderId,
      customerId: `cust-${1 + (n % size.customers)}`,
      status: STATUSES[n % STATUSES.length]!,
      total: Math.round(total * 100) / 100,
      createdAt: new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString()
    })
  }
  return { orders, items }
}
