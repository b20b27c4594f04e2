// Checks on single property schemas that the metadata service applies to the model.
import type { JsonSchema } from '../model/model.js'

function typesOf (schema: JsonSchema): string[] | undefined {
  if (typeof schema.type === 'string') return [schema.type]
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string')
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined
  if (!Array.isArray(union)) return undefined
  const types: string[] = []
  for (const member of union) {
    const inner = typesOf(member)
    if (inner === undefined) return undefined
    types.push(...inner)
  }
  return types
}

/** A reference holds an id: a string, optionally nullable, and nothing else. */
export function isStringLike (schema: JsonSchema): boolean {
  const types = typesOf(schema)
  return types !== undefined && types.includes('string') &&
    types.every(t => t === 'string' || t === 'null')
}

/** A unique key's part: a string or a number, optionally nullable (null leaves a document out of the key). */
export function isKeyLike (schema: JsonSchema): boolean {
  const types = typesOf(schema)
  return types !== undefined && types.some(t => t !== 'null') &&
    types.every(t => t === 'string' || t === 'integer' || t === 'number' || t === 'null')
}

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/
export const ROUTE_SEGMENT = /^[a-z0-9][a-z0-9_-]*$/
