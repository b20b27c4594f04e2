// Declared indexes, read from the model once at start-up: `"x-index": true` on a property
// indexes it alone; `"x-indexes": [["status", "-createdAt"], …]` at the root of an entity's
// schema declares compound ones, `-` marking a descending key. Every store creates them at open
// so that filters and sorts on those properties do not scan the whole entity.
import { ModelError } from '../errors.js'
import type { JsonSchema } from '../model/model.js'
import { firstOfEach, flaggedProperties } from './declared-lists.js'
import { IDENTIFIER } from './schema-checks.js'
import type { IndexKey } from './types.js'

function fail (entity: string, what: string): never {
  throw new ModelError(`entity '${entity}' ${what}`)
}

/** A property an index may hold: a top-level one that responses show, so filters and sorts can name it. */
function checkProperty (entity: string, property: string, properties: readonly string[], where: string): void {
  if (property === 'id') fail(entity, `${where}: 'id' is always indexed; declare only other properties`)
  if (!properties.includes(property)) {
    fail(entity, `${where}: unknown property '${property}'; indexable properties are ${properties.join(', ')}`)
  }
  // stores put the name into index expressions (a JSON path, a field name)
  if (!IDENTIFIER.test(property)) fail(entity, `${where}: an indexed property name must be an identifier`)
}

function compoundIndex (entity: string, entry: unknown, i: number, properties: readonly string[]): IndexKey[] {
  const where = `"x-indexes"[${i}]`
  if (!Array.isArray(entry) || entry.length === 0) {
    fail(entity, `${where}: an index is a non-empty array of property names, e.g. ["status", "-createdAt"]`)
  }
  const keys = entry.map(function indexKey (name: unknown): IndexKey {
    if (typeof name !== 'string') fail(entity, `${where}: ${JSON.stringify(name)} is not a property name`)
    const desc = name.startsWith('-')
    const field = desc ? name.slice(1) : name
    checkProperty(entity, field, properties, `property '${field}' in ${where}`)
    return Object.freeze({ field, desc })
  })
  const fields = keys.map(k => k.field)
  const twice = fields.find((f, j) => fields.indexOf(f) !== j)
  if (twice !== undefined) fail(entity, `property '${twice}' in ${where}: a property may appear once in an index`)
  return keys
}

/**
 * The entity's declared indexes, each as its keys in order, without duplicates; throws
 * ModelError naming the entity and property at fault.
 */
export function declaredIndexes (
  entity: string,
  schema: JsonSchema,
  properties: readonly string[]
): ReadonlyArray<readonly IndexKey[]> {
  const indexes: IndexKey[][] = []
  for (const property of flaggedProperties(schema, 'x-index', what => fail(entity, what))) {
    checkProperty(entity, property, properties, `property '${property}' has "x-index"`)
    indexes.push([Object.freeze({ field: property, desc: false })])
  }
  const compound = schema['x-indexes']
  if (compound !== undefined) {
    if (!Array.isArray(compound)) {
      fail(entity, '"x-indexes" must be an array of indexes, e.g. [["status", "-createdAt"]]')
    }
    compound.forEach((entry: unknown, i) => indexes.push(compoundIndex(entity, entry, i, properties)))
  }
  return firstOfEach(indexes, indexName)
}

/** How clients name an index: its keys as a sort parameter writes them, e.g. `status,-createdAt`. */
export function indexName (keys: readonly IndexKey[]): string {
  return keys.map(k => `${k.desc ? '-' : ''}${k.field}`).join(',')
}

/** Properties that lead some index: filters on them (eq, ranges) and sorts starting with them are index-backed. */
export function indexedProperties (indexes: ReadonlyArray<readonly IndexKey[]>): string[] {
  return [...new Set(indexes.map(keys => keys[0]!.field))]
}

/** What the `filter` and `sort` descriptions say about an entity's declared indexes. */
export function indexNotes (indexes: ReadonlyArray<readonly IndexKey[]>): { filter: string, sort: string } {
  if (indexes.length === 0) {
    const none = 'No declared index (`x-index`, `x-indexes`): each request reads every document.'
    return { filter: none, sort: none }
  }
  const leading = indexedProperties(indexes).map(p => `\`${p}\``).join(', ')
  const sorts = indexes.map(keys => `\`${indexName(keys)}\``).join(', ')
  return {
    filter: `Index-backed: equality and ranges on ${leading} (declared indexes).`,
    sort: `Index-backed: ${sorts}, and sorts that begin with one of them (declared indexes).`
  }
}
