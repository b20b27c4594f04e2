// Which properties of an entity never leave the server: those marked `"x-internal": true` or
// `"writeOnly": true` in the model. They are validated and stored like any other, but no
// response shows them, and filters and sorts cannot name them (they would leak the values).
import { ModelError } from '../errors.js'
import type { JsonSchema } from '../model/model.js'

export function isHidden (schema: JsonSchema): boolean {
  return schema['x-internal'] === true || schema.writeOnly === true
}

/** The hidden top-level properties of `name`; ids and references must stay visible. */
export function hiddenProperties (
  name: string,
  properties: Record<string, JsonSchema>,
  refProperties: readonly string[]
): string[] {
  const hidden = Object.keys(properties).filter(p => isHidden(properties[p]!))
  for (const property of hidden) {
    if (property === 'id') throw new ModelError(`entity '${name}': 'id' cannot be hidden (x-internal / writeOnly)`)
    if (refProperties.includes(property)) {
      throw new ModelError(
        `entity '${name}' property '${property}' is a reference and cannot be hidden: graphs would reveal it`
      )
    }
  }
  return hidden
}
