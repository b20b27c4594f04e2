// JSON Merge Patch (RFC 7396): objects merge recursively, null removes a key, anything else
// replaces. Keys are defined, never assigned, so `__proto__` in a patch stays plain data.

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function mergePatch (target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch
  const result: Record<string, unknown> = {}
  if (isObject(target)) {
    for (const [key, value] of Object.entries(target)) define(result, key, value)
  }
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else define(result, key, mergePatch(result[key], value))
  }
  return result
}

function define (object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
}
