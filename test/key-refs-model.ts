// A model whose references hold their parents' unique keys (`x-parent-key`), with every missing
// parent policy: OrderLine names its product by SKU (park), its promotion by code (reject) and a
// replacement product by SKU (allow); Sale <- Shop <- Region through codes, three levels that
// park; Category names its parent category by code (a self-reference). OrderLine also takes ids
// from an ERP, whose writes still name products by SKU.
import type { ModelDefinition } from '../src/model/model.js'

const str = { type: 'string', minLength: 1 }
const unique = { ...str, 'x-unique': true }
const byKey = (parent: string, key: string, policy: string) =>
  ({ ...str, 'x-parent': parent, 'x-parent-key': key, 'x-on-missing-parent': policy })

export const keyRefsModel: ModelDefinition = {
  entities: {
    Product: { schema: { type: 'object', 'x-sources': ['erp'], properties: { id: str, sku: unique, name: str } } },
    Promo: { schema: { type: 'object', properties: { id: str, code: unique, percent: { type: 'number' } } } },
    OrderLine: {
      schema: {
        type: 'object',
        'x-sources': ['erp'],
        properties: {
          id: str,
          productSku: byKey('Product', 'sku', 'park'),
          promoCode: byKey('Promo', 'code', 'reject'),
          replacementSku: byKey('Product', 'sku', 'allow'),
          lineNo: { type: 'string', 'x-unique': true },
          quantity: { type: 'integer' }
        }
      }
    },
    Region: { schema: { type: 'object', properties: { id: str, code: unique, name: str } } },
    Shop: {
      schema: { type: 'object', properties: { id: str, code: unique, regionCode: byKey('Region', 'code', 'park') } }
    },
    Sale: { schema: { type: 'object', properties: { id: str, shopCode: byKey('Shop', 'code', 'park') } } },
    Category: {
      schema: {
        type: 'object',
        properties: { id: str, code: unique, parentCode: byKey('Category', 'code', 'park') }
      }
    }
  }
}
