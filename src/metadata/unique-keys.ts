// Unique keys, read from the model once at start-up: `"x-unique": true` on a property makes it a
// key alone; `"x-unique-keys": [["region", "code"], …]` at the root of an entity's schema
// declares compound ones. Every store enforces them (see StoreEntity.uniqueKeys), and a
// reference can hold a parent's key instead of its id (`x-parent-key`).
import { ModelError } from '../errors.js'
import type { JsonSchema } from '../model/model.js'
import { isHidden } from './hidden-properties.js'
import { firstOfEach, flaggedProperties } from './declared-lists.js'
import { IDENTIFIER, isKeyLike } from './schema-checks.js'

function fail (entity: string, what: string): never {
  throw new ModelError(`entity '${entity}' ${what}`)
}

function checkProperty (entity: string, property: string, schema: JsonSchema, where: string): void {
  const properties = schema.properties as Record<string, JsonSchema>
  if (property === 'id') fail(entity, `${where}: 'id' is always unique; declare only other properties`)
  const declared = Object.hasOwn(properties, property) ? properties[property] : undefined
  if (declared === undefined) {
    fail(entity, `${where}: unknown property '${property}'; the entity has ${Object.keys(properties).join(', ')}`)
  }
  // stores spell the name into index expressions (a JSON path, a field name)
  if (!IDENTIFIER.test(property)) fail(entity, `${where}: a key property name must be an identifier`)
  if (isHidden(declared)) {
    fail(entity, `${where}: a hidden property cannot be a unique key (a conflict would reveal its value)`)
  }
  if (!isKeyLike(declared)) {
    fail(entity, `${where}: a unique key property must be a string, integer or number (optionally nullable), ` +
      `not ${JSON.stringify(declared.type ?? 'unspecified')}`)
  }
}

function compoundKey (entity: string, entry: unknown, i: number, schema: JsonSchema): string[] {
  const where = `"x-unique-keys"[${i}]`
  if (!Array.isArray(entry) || entry.length === 0 || !entry.every(name => typeof name === 'string')) {
    fail(entity, `${where}: a key is a non-empty array of property names, e.g. ["region", "code"]`)
  }
  for (const property of entry as string[]) {
    checkProperty(entity, property, schema, `property '${property}' in ${where}`)
  }
  const twice = entry.find((name, j) => entry.indexOf(name) !== j)
  if (twice !== undefined) fail(entity, `property '${String(twice)}' in ${where}: a property may appear once in a key`)
  return entry as string[]
}

/** The entity's unique keys, each its properties in order, without duplicates; throws ModelError naming the culprit. */
export function declaredUniqueKeys (entity: string, schema: JsonSchema): ReadonlyArray<readonly string[]> {
  const keys: string[][] = []
  for (const property of flaggedProperties(schema, 'x-unique', what => fail(entity, what))) {
    checkProperty(entity, property, schema, `property '${property}' has "x-unique"`)
    keys.push([property])
  }
  const compound = schema['x-unique-keys']
  if (compound !== undefined) {
    if (!Array.isArray(compound)) fail(entity, '"x-unique-keys" must be an array of keys, e.g. [["region", "code"]]')
    compound.forEach((entry: unknown, i) => keys.push(compoundKey(entity, entry, i, schema)))
  }
  return firstOfEach(keys, key => key.join(','))
}
