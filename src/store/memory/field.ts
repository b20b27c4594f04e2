// Reads a dotted property path the way SQLite's json_extract does: only through objects, never
// into arrays or strings, so that both adapters agree on what is present, null or missing.

export const MISSING = Symbol('missing')

export type FieldReader = (doc: unknown) => unknown

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Compiles `a.b.c` once; the reader returns MISSING when any step is absent. */
export function fieldReader (field: string): FieldReader {
  const segments = field.split('.')
  return function readField (doc) {
    let value: unknown = doc
    for (const segment of segments) {
      // hasOwn: `constructor` or `__proto__` must not resolve through the prototype
      if (!isObject(value) || !Object.hasOwn(value, segment)) return MISSING
      value = value[segment]
    }
    return value
  }
}
