// Source systems, read from the model once at start-up: `"x-sources": ["crm", "webshop"]` at the
// root of an entity's schema lets writes name one of them (`?source=crm`) and carry its ids,
// which Relata maps to its own ids through identity links. A source name is short and plain
// because it becomes part of the ids Relata assigns (`crm:42`, see src/links/source-ids.ts).
import { ModelError } from '../errors.js'
import type { JsonSchema } from '../model/model.js'

export const SOURCES_KEYWORD = 'x-sources'
export const SOURCE_NAME = /^[a-z][a-z0-9_-]{0,31}$/

export function declaredSources (entity: string, schema: JsonSchema): readonly string[] {
  const value = schema[SOURCES_KEYWORD]
  if (value === undefined) return Object.freeze([])
  if (!Array.isArray(value)) {
    throw new ModelError(`entity '${entity}': "${SOURCES_KEYWORD}" must be an array of source names, e.g. ["crm"]`)
  }
  value.forEach(function checkSource (name: unknown, i) {
    if (typeof name !== 'string' || !SOURCE_NAME.test(name)) {
      throw new ModelError(`entity '${entity}': "${SOURCES_KEYWORD}"[${i}] ${JSON.stringify(name)} is not a source ` +
        'name: a lowercase letter, then up to 31 lowercase letters, digits, - and _')
    }
    if (value.indexOf(name) !== i) {
      throw new ModelError(`entity '${entity}': "${SOURCES_KEYWORD}" names source '${name}' twice`)
    }
  })
  return Object.freeze([...value as string[]])
}
