// Keyset cursors: opaque texts naming a position in the total order of one entity's sort, so
// that a client continues a list or resumes a stream right after the last document it got,
// however many documents were written before that position since. A cursor is base64url of a
// small versioned JSON (entity, sort, key values); decoding refuses anything this server would
// not have issued for the entity, and a cursor made for another sort, saying which to repeat.
import { BadRequestError } from '../errors.js'
import { resolvePath, valueKinds, type ValueKind } from '../metadata/property-paths.js'
import type { EntityMetadata } from '../metadata/types.js'
import { checkAfter, positionOf, totalOrder } from '../store/keyset.js'
import { documentOf } from '../store/text-doc.js'
import { sortText } from '../store/sort.js'
import type { KeyValue, Position, SortKey } from '../store/store.js'

export { sortText }

const VERSION = 1
const BASE64URL = /^[A-Za-z0-9_-]+$/
// what a sort's text can hold: property names (the model's, dotted paths) and `-`
const SORT_TEXT = /^[^\s"\\]*$/

interface CursorBody {
  v: number
  e: string
  s: string
  k: Position
}

/** The cursor just after `doc` (the document as stored) in `entity`'s order `sort`. */
export function cursorOf (entity: string, sort: readonly SortKey[] | undefined, doc: object): string {
  // a document read as text holds only its id and references as properties: the sort needs the rest
  const body: CursorBody = { v: VERSION, e: entity, s: sortText(sort), k: positionOf(documentOf(doc), sort) }
  return Buffer.from(JSON.stringify(body)).toString('base64url')
}

function notIssued (entity: string, why: string): BadRequestError {
  return new BadRequestError(
    `after: the cursor is not one this server issued for ${entity} (${why}); pass a cursor exactly as this ` +
      `server gave it for ${entity} (a stream line with cursor=true, or a list's next link)`,
    [{ path: '/after', message: `not a cursor issued for ${entity}` }])
}

function readBody (text: string, entity: string): Record<string, unknown> {
  if (!BASE64URL.test(text)) throw notIssued(entity, 'not base64url')
  const bytes = Buffer.from(text, 'base64url')
  // a canonical encoding only: trailing bits or padding variants are not ours
  if (bytes.toString('base64url') !== text) throw notIssued(entity, 'not base64url')
  let body: unknown
  try {
    body = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw notIssued(entity, 'not JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw notIssued(entity, 'not a cursor')
  return body as Record<string, unknown>
}

function kindOf (value: KeyValue): ValueKind {
  if (value === null) return 'null'
  if (typeof value === 'object') return 'composite'
  return typeof value === 'number' ? 'number' : 'string'
}

const KIND_NAMES: Record<ValueKind, string> = {
  null: 'null', number: 'a number', string: 'a string', composite: 'an object or array'
}

/**
 * The first key of `position` holding a kind of value its property cannot hold under the
 * schema (a string for a number property): no stored document sits there, so the cursor was
 * not issued by this server for this sort.
 */
function misfit (meta: EntityMetadata, sort: readonly SortKey[] | undefined, position: Position): string | undefined {
  const keys = totalOrder(sort)
  for (let i = 0; i < keys.length; i++) {
    const field = keys[i]!.field
    const resolved = field === 'id' ? undefined : resolvePath(meta, field)
    const kinds = resolved === undefined
      ? new Set<ValueKind>(['string'])
      : valueKinds(resolved.ok ? resolved.schema : undefined)
    const kind = kindOf(position[i]!)
    if (!kinds.has(kind)) return `its key for ${field} is ${KIND_NAMES[kind]}, which ${field} cannot hold`
  }
  return undefined
}

/**
 * The position a cursor names, for a request on the entity `meta` ordered by `sort`. Filters may
 * differ from the request the cursor came from: a cursor is a position, not a query.
 */
export function decodeCursor (text: string, meta: EntityMetadata, sort: readonly SortKey[] | undefined): Position {
  const entity = meta.name
  const body = readBody(text, entity)
  const keys = Object.keys(body).sort().join()
  if (keys !== 'e,k,s,v' || body.v !== VERSION) throw notIssued(entity, 'unknown version or shape')
  if (body.e !== entity) throw notIssued(entity, 'made for another entity')
  if (typeof body.s !== 'string' || !SORT_TEXT.test(body.s)) throw notIssued(entity, 'unknown version or shape')
  const wanted = sortText(sort)
  if (body.s !== wanted) {
    const made = body.s === '' ? 'the default order (no sort)' : `sort=${body.s}`
    const asked = wanted === '' ? 'the default order' : `sort=${wanted}`
    const repeat = body.s === '' ? 'the request without sort' : `sort=${body.s}`
    throw new BadRequestError(
      `after: this cursor was made for ${made}, not for ${asked}; repeat ${repeat} to continue with it`,
      [{ path: '/after', message: `made for ${made}` }])
  }
  try {
    checkAfter(body.k as Position, sort)
  } catch {
    throw notIssued(entity, 'its key values do not fit the sort')
  }
  const wrongKind = misfit(meta, sort, body.k as Position)
  if (wrongKind !== undefined) throw notIssued(entity, wrongKind)
  return body.k as Position
}
