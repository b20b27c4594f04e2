// Resolves a dotted property path (`address.city`) against an entity's JSON Schema, so that
// filters, sorts and cursors refuse what can never match instead of silently matching nothing:
// a step into a property that cannot be an object (`customerId.regionId` into a string), a
// step the schema rules out (`address.planet` under `additionalProperties: false`), or one
// that would reach the prototype (`__proto__`). A step the schema leaves open is accepted.
import type { JsonSchema } from '../model/model.js'
import { isHidden } from './hidden-properties.js'
import type { EntityMetadata } from './types.js'

/** Segments that name the prototype in JavaScript objects: never a property to read. */
const PROTOTYPE_NAMES = new Set(['__proto__'])

/** The kinds of JSON value a sort key can hold, as keyset positions record them. */
export type ValueKind = 'null' | 'number' | 'string' | 'composite'

export type PathResolution =
  | { ok: true, schema: JsonSchema | undefined }
  | { ok: false, problem: string }

function isSchema (value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The alternatives a schema allows (anyOf/oneOf branches, each flattened), itself when it has none. */
function branches (schema: JsonSchema): JsonSchema[] {
  const options = [schema.anyOf, schema.oneOf].find(Array.isArray) as unknown[] | undefined
  return options === undefined ? [schema] : options.filter(isSchema).flatMap(branches)
}

/** JSON types a schema declares, or undefined when it leaves the type open. */
function declaredTypes (schema: JsonSchema): string[] | undefined {
  if (typeof schema.type === 'string') return [schema.type]
  if (Array.isArray(schema.type)) return schema.type as string[]
  const values = 'const' in schema ? [schema.const] : Array.isArray(schema.enum) ? schema.enum : undefined
  if (values === undefined) return undefined
  return values.map(v => v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v)
}

function canBeObject (schema: JsonSchema): boolean {
  const types = declaredTypes(schema)
  return types === undefined || types.includes('object')
}

/** Visible properties a step can name under `schemas`: the valid ones an error lists. */
function namesUnder (schemas: readonly JsonSchema[]): string[] {
  const names = new Set<string>()
  for (const schema of schemas) {
    if (!isSchema(schema.properties)) continue
    for (const [name, property] of Object.entries(schema.properties)) {
      if (isSchema(property) && !isHidden(property)) names.add(name)
    }
  }
  return [...names]
}

/** The schema a step leads to, undefined when open, or the reason it leads nowhere. */
function step (schema: JsonSchema, segment: string, walked: string): PathResolution {
  const objects = branches(schema).filter(canBeObject)
  if (objects.length === 0) {
    const types = [...new Set(branches(schema).flatMap(b => declaredTypes(b) ?? []))].join(' or ')
    const what = types === '' ? 'not an object' : `a ${types}`
    return { ok: false, problem: `'${walked}' is ${what}: it has no property '${segment}'` }
  }
  const found: JsonSchema[] = []
  let open = false
  for (const object of objects) {
    const declared = isSchema(object.properties) && Object.hasOwn(object.properties, segment)
    const property = declared ? (object.properties as JsonSchema)[segment] : undefined
    if (isSchema(property)) {
      if (!isHidden(property)) found.push(property)
    } else if (object.additionalProperties !== false) {
      open = true
    }
  }
  if (found.length === 0 && !open) {
    const valid = namesUnder(objects)
    const listed = valid.length === 0 ? 'it declares none' : `its properties are ${valid.join(', ')}`
    return { ok: false, problem: `'${walked}' has no property '${segment}'; ${listed}` }
  }
  if (open) return { ok: true, schema: undefined }
  return { ok: true, schema: found.length === 1 ? found[0] : { anyOf: found } }
}

/**
 * Resolves `path` on the entity: the first segment must be one of its visible properties (the
 * callers say so in their own words), each further one must be possible under the schema.
 * Resolves to the schema at the path, or undefined when the schema leaves it open.
 */
export function resolvePath (meta: Pick<EntityMetadata, 'schema' | 'properties'>, path: string): PathResolution {
  const segments = path.split('.')
  const refused = segments.find(s => PROTOTYPE_NAMES.has(s))
  if (refused !== undefined) {
    return { ok: false, problem: `'${refused}' is not a property name (it names the prototype)` }
  }
  const properties = meta.schema.properties as Record<string, JsonSchema>
  let schema: JsonSchema | undefined = properties[segments[0]!]
  for (let i = 1; i < segments.length && schema !== undefined; i++) {
    const next = step(schema, segments[i]!, segments.slice(0, i).join('.'))
    if (!next.ok) return next
    schema = next.schema
  }
  return { ok: true, schema }
}

/**
 * What a sort key on a property of this schema can hold (missing is always possible): every
 * kind when the schema leaves the type open. Booleans sort as the numbers 0 and 1.
 */
export function valueKinds (schema: JsonSchema | undefined): Set<ValueKind> {
  const all: ValueKind[] = ['null', 'number', 'string', 'composite']
  if (schema === undefined) return new Set(all)
  const kinds = new Set<ValueKind>(['null'])
  for (const branch of branches(schema)) {
    const types = declaredTypes(branch)
    if (types === undefined) return new Set(all)
    for (const type of types) {
      if (type === 'number' || type === 'integer' || type === 'boolean') kinds.add('number')
      else if (type === 'string') kinds.add('string')
      else if (type === 'object' || type === 'array') kinds.add('composite')
    }
  }
  return kinds
}
