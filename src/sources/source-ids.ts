// Source ids: what a write from a source system (`?source=crm`) carries instead of Relata's ids,
// and the id Relata assigns to a document a source sends first. The assigned id is a function of
// the source and its id (`crm:42`), so two writes racing to create the same document agree on
// its id, and a reference stored before its parent arrived from that source reads it once it does.
import { BadRequestError, ValidationError, type FieldError } from '../errors.js'
import type { EntityMetadata } from '../metadata/types.js'
import type { LinkKey } from '../store/store.js'

/** Source ids are shorter than ids: an assigned id adds the source name (32) and a colon. */
export const MAX_SOURCE_ID_LENGTH = 200

/** The id of a document first written by `source` as `sourceId`. Source names hold no `:`. */
export function assignedId (key: LinkKey): string {
  return `${key.source}:${key.sourceId}`
}

/** Why `value` is no usable source id, or undefined when it is. */
export function sourceIdProblem (value: unknown): string | undefined {
  if (typeof value !== 'string') return 'a source id is a string'
  if (value === '') return 'a source id must not be empty'
  if ([...value].length > MAX_SOURCE_ID_LENGTH) {
    return `a source id has at most ${MAX_SOURCE_ID_LENGTH} characters; this one has ${[...value].length}`
  }
  // eslint-disable-next-line no-control-regex -- control characters are the point: no store keeps U+0000
  if (/[\u0000-\u001f]/.test(value)) return 'a source id holds no control characters'
  return undefined
}

/** Throws a ValidationError naming every source id of `items` at `property` that cannot be one. */
export function checkSourceIds (docs: ReadonlyArray<Record<string, unknown>>, properties: readonly string[],
  where: (i: number) => string): void {
  const errors: FieldError[] = []
  docs.forEach((doc, i) => {
    for (const property of properties) {
      const value = doc[property]
      if (property !== 'id' && (value === undefined || value === null)) continue
      const problem = sourceIdProblem(value)
      if (problem !== undefined) errors.push({ path: `${where(i)}/${property}`, message: problem })
    }
  })
  if (errors.length > 0) {
    const first = errors[0]!
    throw new ValidationError(`source id ${first.path}: ${first.message}` +
      `${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}; nothing was written`, errors)
  }
}

/** Refuses a source the entity does not declare, naming those it does. */
export function checkSource (meta: EntityMetadata, source: string): void {
  if (meta.sources.includes(source)) return
  const declared = meta.sources.length === 0
    ? `${meta.name} declares no sources ("x-sources")`
    : `${meta.name} takes ids from ${meta.sources.join(', ')}`
  throw new BadRequestError(`source '${source}' is unknown: ${declared}`, [
    { path: '/source', message: `must be one of ${meta.sources.join(', ') || '(none)'}` }
  ])
}
