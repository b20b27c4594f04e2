// A test model exercising every relationship shape: two references to one parent entity
// (Book.authorId, Book.coAuthorId), a self-reference (Employee.managerId), nullable references.
import { Type } from 'typebox'
import { defineModel, Parent } from '../src/model/model.js'

const Str = Type.String({ minLength: 1 })

export const libraryModel = defineModel({
  entities: {
    Author: { schema: Type.Object({ id: Str, name: Str }) },
    Book: {
      schema: Type.Object({
        id: Str,
        title: Str,
        authorId: Parent('Author', Str),
        coAuthorId: Type.Optional(Parent('Author', Type.Union([Str, Type.Null()])))
      })
    },
    Review: {
      schema: Type.Object({ id: Str, bookId: Parent('Book', Str), stars: Type.Integer({ minimum: 1, maximum: 5 }) })
    },
    Employee: {
      schema: Type.Object({
        id: Str,
        name: Str,
        managerId: Type.Optional(Parent('Employee', Type.Union([Str, Type.Null()])))
      })
    }
  }
})
