// Seeds the sample shop into an empty store so a fresh `npm start` serves real graphs.
import type { Store } from '../store/store.js'
import {
  SEED_SIZE,
  type SampleSize,
  sampleCategories,
  sampleCustomers,
  sampleOrders,
  sampleProducts
} from './sample-data.js'

/** Returns whether it seeded: a store that already has customers is left alone. */
export async function seedSampleData (store: Store): Promise<boolean> {
  const existing = await store.find('Customer', { page: 1, size: 1 })
  if (existing.total > 0) return false
  await writeShop(store, SEED_SIZE)
  return true
}

/** Writes a whole sample shop of the given size (tests and benches use bigger ones). */
export async function writeShop (store: Store, size: SampleSize): Promise<void> {
  const { orders, items } = sampleOrders(size)
  await store.upsertMany('Category', sampleCategories())
  await store.upsertMany('Customer', sampleCustomers(size.customers))
  await store.upsertMany('Product', sampleProducts(size.products))
  await store.upsertMany('Order', orders)
  await store.upsertMany('OrderItem', items)
}
