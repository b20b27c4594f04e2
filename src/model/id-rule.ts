// The one rule every written id follows, on every write path (POST, PUT, PATCH, NDJSON import over
// HTTP and from the command line): the id must come back as the last segment of
// /api/<route>/<id> and reach its document there. Checked by idProblem, declared by ID_RULE in the
// id schemas so that OpenAPI states it.
import { ValidationError, type FieldError } from '../errors.js'

export const MAX_ID_LENGTH = 256

/**
 * Ids that URLs cannot address: the fixed sub-routes under /api/<route>/ (a GET of
 * /api/orders/stream is the stream) and the dot segments that clients resolve away.
 */
export const RESERVED_IDS: readonly string[] = Object.freeze(['.', '..', 'stream', 'import'])

/** The rule as JSON Schema keywords, merged into every id schema. */
export const ID_RULE = Object.freeze({
  minLength: 1,
  maxLength: MAX_ID_LENGTH,
  not: Object.freeze({ enum: RESERVED_IDS })
})

export const ID_RULE_TEXT =
  `1 to ${MAX_ID_LENGTH} characters, and none of ${RESERVED_IDS.map(id => `\`${id}\``).join(', ')} (route segments)`

/** Why `id` cannot be written, or undefined when it can; a non-string is left to the schema. */
export function idProblem (id: unknown): string | undefined {
  if (typeof id !== 'string') return undefined
  if (id === '') return 'an id must not be empty'
  // JSON Schema counts code points; only a long string needs counting them
  if (id.length > MAX_ID_LENGTH) {
    const length = [...id].length
    if (length > MAX_ID_LENGTH) return `an id has at most ${MAX_ID_LENGTH} characters; this one has ${length}`
  }
  if (RESERVED_IDS.includes(id)) {
    const why = id.startsWith('.') ? `URLs resolve '${id}' away` : `/api/<route>/${id} is a route of its own`
    return `the id '${id}' is reserved (${why}); ids cannot be ${RESERVED_IDS.map(r => `'${r}'`).join(', ')}`
  }
  return undefined
}

/** Throws a ValidationError naming each document whose id breaks the rule; `where(i)` locates item i. */
export function assertIds (docs: ReadonlyArray<{ id?: unknown }>, where: (i: number) => string): void {
  const errors: FieldError[] = []
  docs.forEach((doc, i) => {
    const problem = idProblem(doc.id)
    if (problem !== undefined) errors.push({ path: `${where(i)}/id`, message: problem })
  })
  if (errors.length === 0) return
  const first = errors[0]!
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''
  throw new ValidationError(`invalid id at ${first.path}: ${first.message}${more}`, errors)
}

/** `declared` (the model's id schema) with the rule added, keeping any stricter bounds it has. */
export function withIdRule (declared: Record<string, unknown>): Record<string, unknown> {
  const { minLength, maxLength } = declared
  const min = typeof minLength === 'number' ? Math.max(minLength, ID_RULE.minLength) : ID_RULE.minLength
  const max = typeof maxLength === 'number' ? Math.min(maxLength, ID_RULE.maxLength) : ID_RULE.maxLength
  const not = declared.not === undefined ? ID_RULE.not : { anyOf: [declared.not, ID_RULE.not] }
  return { ...declared, minLength: min, maxLength: max, not }
}
