// The shop of the parent-key benches (issue #17): products known by SKU (a unique key), orders
// and order lines from a webshop that sends its own ids (`x-sources`), and the NDJSON lines to
// import. A line names its product by SKU (`x-parent-key`) and its order by the shop's order id.
import type { ModelDefinition } from '../../src/model/model.js'

export type Policy = 'allow' | 'reject' | 'park'

export interface KeyShopOptions {
  /** What a line whose SKU names no product does. */
  skuPolicy: Policy
  /** What a line whose order the shop has not sent yet does. */
  orderPolicy: Policy
}

export const SOURCE = 'shop'
export const LINES_PER_ORDER = 4
export const PRODUCTS = 1000

export function keyShopModel ({ skuPolicy, orderPolicy }: KeyShopOptions): ModelDefinition {
  return {
    entities: {
      Product: {
        route: 'products',
        schema: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            sku: { type: 'string', 'x-unique': true },
            name: { type: 'string' },
            price: { type: 'number' }
          }
        }
      },
      Order: {
        route: 'orders',
        schema: {
          type: 'object', 'x-sources': [SOURCE], properties: { id: { type: 'string' }, total: { type: 'number' } }
        }
      },
      OrderLine: {
        route: 'order-lines',
        schema: {
          type: 'object',
          'x-sources': [SOURCE],
          properties: {
            id: { type: 'string' },
            orderId: { type: 'string', 'x-parent': 'Order', 'x-on-missing-parent': orderPolicy },
            productSku: {
              type: 'string', 'x-parent': 'Product', 'x-parent-key': 'sku', 'x-on-missing-parent': skuPolicy
            },
            quantity: { type: 'integer' }
          }
        }
      }
    }
  }
}

export function sku (i: number): string {
  return `SKU-${String(i % PRODUCTS).padStart(5, '0')}`
}

export function productLines (): string {
  return ndjson(PRODUCTS, i => ({ id: `p${i}`, sku: sku(i), name: `Product ${i}`, price: 1 + (i % 50) }))
}

/** The shop's orders `from` ≤ n < `to` (their ids are the shop's, `o<n>`). */
export function orderLines (from: number, to: number): string {
  return ndjson(to - from, i => ({ id: `o${from + i}`, total: 10 + ((from + i) % 90) }))
}

/** Order lines `from` ≤ n < `to`, LINES_PER_ORDER per order, products in turn. */
export function orderLineLines (from: number, to: number): string {
  return ndjson(to - from, k => {
    const i = from + k
    const orderId = `o${Math.floor(i / LINES_PER_ORDER)}`
    return { id: `l${i}`, orderId, productSku: sku(i * 7), quantity: 1 + (i % 3) }
  })
}

function ndjson (count: number, line: (i: number) => object): string {
  const out: string[] = []
  for (let i = 0; i < count; i++) out.push(JSON.stringify(line(i)))
  return out.join('\n') + '\n'
}
