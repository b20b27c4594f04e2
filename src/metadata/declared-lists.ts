// What declared indexes and unique keys share in how they are read from an entity's schema: a
// boolean flag on a property (`x-index`, `x-unique`) declares a list of that one property, and a
// list declared twice (by the flag and a compound declaration, say) counts once.
import type { JsonSchema } from '../model/model.js'

/**
 * The properties whose schema sets `flag` to true, in schema order; read lazily, so that a
 * caller's own check of one property fails before a bad flag further on is seen.
 */
export function * flaggedProperties (schema: JsonSchema, flag: string,
  fail: (what: string) => never): Generator<string> {
  for (const [property, propSchema] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
    const value = propSchema[flag]
    if (value === undefined || value === false) continue
    if (value !== true) fail(`property '${property}': "${flag}" must be true or false`)
    yield property
  }
}

/** `lists` without the later ones of a name already seen, each frozen, and the whole frozen. */
export function firstOfEach<T> (lists: T[][], name: (list: T[]) => string): ReadonlyArray<readonly T[]> {
  const seen = new Set<string>()
  return Object.freeze(lists.filter(function unique (list) {
    const key = name(list)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  }).map(list => Object.freeze(list)))
}
