// The shape of a model as users declare it, in TypeScript or in a JSON file.
// Relationships live inside the schemas (`x-parent`) so validation, metadata and
// OpenAPI are all derived from one declaration.

export type JsonSchema = Record<string, unknown>

export interface EntityDefinition {
  /** URL path segment under /api; defaults to the kebab-cased plural of the entity name. */
  route?: string
  /** A JSON Schema object (TypeBox schemas are JSON Schema) describing one document. */
  schema: object
}

export interface ModelDefinition {
  entities: Record<string, EntityDefinition>
}

/** Identity function that gives a TypeScript model its type and reads as a declaration. */
export function defineModel<M extends ModelDefinition> (model: M): M {
  return model
}

/**
 * Marks a property as a reference to the id of another entity:
 * `customerId: Parent('Customer', Type.String())` adds `"x-parent": "Customer"`.
 */
export function Parent<T extends object> (entity: string, schema: T): T & { 'x-parent': string } {
  return { ...schema, 'x-parent': entity }
}
