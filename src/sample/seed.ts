// Seeds the sample shop into an empty store so a fresh `npm start` serves real graphs.
import type { Store } from '../store/store.js'
import { SEED_SIZE, sampleCategories, sampleCustomers, sampleOrders, sampleProducts } from './sample-data.js'

/** Returns whether it seeded: a store that already has customers is left alone. */
export async function seedSampleData (store: Store): Promise<boolean> {
  const existing = await store.find('Customer', { page: 1, size: 1 })
  if (existing.total > 0) return false
  const { orders, items } = sampleOrders(SEED_SIZE)
  await store.upsertMany('Category', sampleCategories())
  await store.upsertMany('Customer', sampleCustomers(SEED_SIZE.customers))
  await store.upsertMany('Product', sampleProducts(SEED_SIZE.products))
  await store.upsertMany('Order', orders)
  await store.upsertMany('OrderItem', items)
  return true
}
