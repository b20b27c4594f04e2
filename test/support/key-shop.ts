// The sample shop twice, the same documents in both: once with references by key (an order
// names its customer by e-mail, an item its product by SKU: `x-parent-key`) and once with the
// same references by id. Reads must answer the same on both once each key value is written as
// the id it stands for (`sameIds`), in the same round trips; the tests of reads through key
// references compare the two on every store.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { ModelDefinition } from '../../src/model/model.js'
import { sampleModel } from '../../src/sample/sample-model.js'
import { sampleCategories, sampleCustomers, sampleOrders, sampleProducts } from '../../src/sample/sample-data.js'
import type { Doc } from '../../src/store/store.js'
import { appOn } from './shop.js'

export const KEY_STORES = ['memory:', 'sqlite::memory:', 'sqlite-file', 'mongodb://stand-in/relata', 'postgres'] as const
export type KeyStore = typeof KEY_STORES[number]

type Schema = Record<string, unknown> & { properties: Record<string, Record<string, unknown>> }

function schemaOf (entity: string): Schema {
  return (sampleModel.entities as ModelDefinition['entities'])[entity]!.schema as unknown as Schema
}

/** The sample entity with `changes` to its properties; `null` drops one. */
function entity (name: string, changes: Record<string, Record<string, unknown> | null>,
  required?: string[]): { schema: Schema } {
  const schema = schemaOf(name)
  const properties: Record<string, Record<string, unknown>> = { ...schema.properties }
  for (const [property, change] of Object.entries(changes)) {
    if (change === null) delete properties[property]
    else properties[property] = change
  }
  return { schema: { ...schema, properties, required: required ?? (schema.required as string[]) } }
}

const ref = (description: string): Record<string, unknown> =>
  ({ anyOf: [{ type: 'string', minLength: 1 }, { type: 'null' }], description })

/** `byKey`: Order.customer holds the customer's email, OrderItem.product the product's sku; else their ids. */
function shopModel (byKey: boolean): ModelDefinition {
  const customer = byKey ? { 'x-parent-key': 'email' } : {}
  const product = byKey ? { 'x-parent-key': 'sku' } : {}
  return {
    entities: {
      Category: sampleModel.entities.Category!,
      Customer: entity('Customer', { email: { type: 'string', 'x-unique': true, description: 'Contact address' } },
        ['id', 'name']),
      Product: entity('Product', { sku: { type: 'string', 'x-unique': true, description: 'Stock keeping unit' } }),
      Order: entity('Order', {
        customerId: null,
        customer: { ...ref('Customer who placed the order'), 'x-parent': 'Customer', ...customer }
      }, ['id', 'status', 'total', 'createdAt']),
      OrderItem: entity('OrderItem', {
        productId: null,
        product: { ...ref('Product ordered'), 'x-parent': 'Product', ...product }
      }, ['id', 'orderId', 'quantity', 'unitPrice'])
    }
  }
}

export const keyShopModel = shopModel(true)
export const idShopModel = shopModel(false)

const SIZE = { customers: 5, products: 10, orders: 60, itemsPerOrder: 4 }
const email = (id: string): string => `${id}@shop.test`
const sku = (id: string): string => `SKU-${id}`

/**
 * The shop's documents, references by key or by id: cust-5 has no e-mail (so no order can name
 * it by key, and none does by id), some orders name nobody or someone unknown, an item an unknown SKU.
 */
export function shopData (byKey: boolean): Record<string, Doc[]> {
  const customers = sampleCustomers(SIZE.customers).map(c => {
    const { email: _, ...rest } = c
    return c.id === 'cust-5' ? rest as Doc : { ...c, email: email(c.id) }
  })
  const products = sampleProducts(SIZE.products).map(p => ({ ...p, sku: sku(p.id) }))
  const { orders, items } = sampleOrders(SIZE)
  return {
    Category: sampleCategories(),
    Customer: customers,
    Product: products,
    Order: orders.map(({ customerId, ...order }, i) => {
      const id = customerId as string
      if (id === 'cust-5' || i % 17 === 3) return { ...order, customer: null }
      if (i % 13 === 5) return order as Doc
      if (i % 19 === 7) return { ...order, customer: email('cust-nobody') }
      return { ...order, customer: byKey ? email(id) : id }
    }),
    OrderItem: items.map(({ productId, ...item }, i) => {
      const id = productId as string
      return { ...item, product: i % 23 === 9 ? sku('gone') : byKey ? sku(id) : id }
    })
  }
}

/** An app on `store` serving the shop by key or by id, its data written. */
export async function shopApp (t: Test, store: KeyStore, byKey: boolean,
  env: Record<string, string> = {}): Promise<FastifyInstance> {
  let url: Parameters<typeof appOn>[1] = store === 'sqlite-file' ? 'memory:' : store
  let file: Record<string, string> = {}
  if (store === 'sqlite-file') {
    const dir = mkdtempSync(join(tmpdir(), 'relata-keys-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    file = { DATABASE_URL: `sqlite:${join(dir, 'shop.db')}` }
    url = 'memory:'
  }
  const app = await appOn(t, url, byKey ? keyShopModel : idShopModel, { ...file, ...env })
  for (const [name, docs] of Object.entries(shopData(byKey))) await app.relata.store.upsertMany(name, docs)
  return app
}

/** An answer with every key value written as the id it stands for: the by-id shop's answer when reads are right. */
export function sameIds (text: string): string {
  return text.replace(/SKU-(prod-\d+)/g, '$1').replace(/(cust-\d+)(?:@|%40)shop\.test/g, '$1')
}
