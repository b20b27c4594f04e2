// The built-in sample model: a small shop. Category.parentId is the self-reference.
import { Type } from 'typebox'
import { defineModel, Parent } from '../model/model.js'

const Id = (description: string) => Type.String({ minLength: 1, maxLength: 256, description })
const Ref = (entity: string, description: string) => Parent(entity, Id(description))
const NullableRef = (entity: string, description: string) =>
  Parent(entity, Type.Union([Id(description), Type.Null()], { description }))

export const sampleModel = defineModel({
  entities: {
    Category: {
      schema: Type.Object(
        {
          id: Id('Category id'),
          name: Type.String({ minLength: 1, maxLength: 200, description: 'Display name' }),
          parentId: Type.Optional(NullableRef('Category', 'Enclosing category, null for a top-level one'))
        },
        { additionalProperties: false }
      )
    },
    Customer: {
      schema: Type.Object(
        {
          id: Id('Customer id'),
          name: Type.String({ minLength: 1, maxLength: 200, description: 'Full name' }),
          email: Type.String({ format: 'email', maxLength: 320, description: 'Contact address' }),
          city: Type.Optional(Type.String({ maxLength: 200, description: 'City of the billing address' }))
        },
        { additionalProperties: false }
      )
    },
    Product: {
      schema: Type.Object(
        {
          id: Id('Product id'),
          name: Type.String({ minLength: 1, maxLength: 200, description: 'Display name' }),
          price: Type.Number({ minimum: 0, description: 'Unit price in the shop currency' }),
          categoryId: Ref('Category', 'Category the product is listed in')
        },
        { additionalProperties: false }
      )
    },
    Order: {
      schema: Type.Object(
        {
          id: Id('Order id'),
          customerId: Ref('Customer', 'Customer who placed the order'),
          status: Type.Union(
            [Type.Literal('open'), Type.Literal('paid'), Type.Literal('shipped'), Type.Literal('cancelled')],
            { description: 'Where the order is in its life', 'x-index': true }
          ),
          total: Type.Number({ minimum: 0, description: 'Sum of the items', 'x-index': true }),
          createdAt: Type.String({ format: 'date-time', description: 'When the order was placed', 'x-index': true })
        },
        // the list's usual question: one status, newest first
        { additionalProperties: false, 'x-indexes': [['status', '-createdAt']] }
      )
    },
    OrderItem: {
      schema: Type.Object(
        {
          id: Id('Order item id'),
          orderId: Ref('Order', 'Order the item belongs to'),
          productId: Ref('Product', 'Product ordered'),
          quantity: Type.Integer({ minimum: 1, description: 'How many units' }),
          unitPrice: Type.Number({ minimum: 0, description: 'Price per unit when ordered' })
        },
        { additionalProperties: false }
      )
    }
  }
})
