// Resolves a read's options (`with`, `depth`, `filter` JSON, `sort`, `fields`, child limits) into
// its typed request, checked against the model: the query string's, parsed here, and the library's
// `relatives` options alike, so HTTP, the command line and the library reject the same inputs with
// the same words.
import { BadRequestError } from '../errors.js'
import type { ChildQueries, ChildQuery } from '../graph/graph.js'
import { MAX_WITH_LENGTH, parseWith } from '../graph/parse-with.js'
import { reachableChildren } from '../graph/selection.js'
import { EntityScope } from '../metadata/entity-scope.js'
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import { childRelationshipNames, type ChildRelationship, type EntityMetadata } from '../metadata/types.js'
import { parseFilter } from '../store/filter.js'
import { parseSort } from '../store/sort.js'
import { decodeCursor } from './cursor.js'
import { parseFields } from './parse-fields.js'
import type { ReadParams, ReadQuery } from './read-query.js'

export const MAX_FILTER_LENGTH = 8192
/** The largest page a list answers. */
export const MAX_PAGE_SIZE = 1000
/** A list's page size when `size` is left out; the size of the pages a cut child list links to. */
export const DEFAULT_PAGE_SIZE = 50

export interface RawQuery {
  filter?: string
  sort?: string
  with?: string
  /** Child relationships to count only: child entities or `Child.refProp`, comma-separated. */
  count?: string
  /** Hops `with=all` follows (1 by default, at most MAX_DEPTH); a number or its text. */
  depth?: number | string
  /** Properties of the entity to answer with, comma-separated (`id` always). */
  fields?: string
  /** A keyset cursor: continue strictly after the position it names (issued for the same sort). */
  after?: string
  // and, read by name: `limit[Child]` (children per parent, a number or its text) and
  // `sort[Child]` (their order), for each child entity in `with`; `fields[<relationship>]`
  // (properties of the documents a relationship in `with` reaches)
}

const CHILD_PARAM = /^(limit|sort)\[(.*)\]$/
const FIELDS_PARAM = /^fields\[(.*)\]$/s

/** The typed request of a query string; `scope` bounds every entity it names or expands to. */
export function parseQuery (meta: EntityMetadata, raw: RawQuery, model: RelationshipMetadata,
  scope = EntityScope.EVERY): ReadQuery {
  return resolveRead(meta, model, readParams(raw), scope)
}

/** The query string's parameters by meaning: the bracket families grouped, empty values (but `fields`) absent. */
function readParams (raw: RawQuery): ReadParams {
  const options: { -readonly [K in keyof ReadParams]: ReadParams[K] } = {}
  const children: Record<string, { limit?: number | string, sort?: string }> = {}
  const fieldsOf: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (value === undefined) continue
    if (name === 'fields') options.fields = value as string
    const field = FIELDS_PARAM.exec(name)
    if (field !== null) fieldsOf[field[1]!] = value as string
    if (value === '') continue
    if (PLAIN.has(name)) (options as Record<string, unknown>)[name] = value
    const child = CHILD_PARAM.exec(name)
    if (child !== null) (children[child[2]!] ??= {})[child[1] as 'limit' | 'sort'] = value as string
  }
  if (Object.keys(children).length > 0) options.children = children
  if (Object.keys(fieldsOf).length > 0) options.fieldsOf = fieldsOf
  return options
}

const PLAIN = new Set(['with', 'depth', 'count', 'filter', 'sort', 'after'])

/**
 * A read's typed request from its options, checked against the model: the query string's and
 * `relatives`' alike. `scope` bounds every entity the request names or expands to.
 */
export function resolveRead (meta: EntityMetadata, model: RelationshipMetadata, options: ReadParams,
  scope = EntityScope.EVERY): ReadQuery {
  const depth = options.depth === undefined ? 1 : Number(options.depth)
  if (options.depth !== undefined && (options.with === undefined || options.with === '')) {
    throw new BadRequestError(`depth=${options.depth} extends with=all, and with is missing; add with=all`,
      [{ path: '/depth', message: 'needs with=all' }])
  }
  const selection = parseWith(meta, options.with, model, depth, scope)
  const read: ReadQuery = options.with === undefined || options.with === '' ? {} : { selection }
  if (options.filter !== undefined) read.filter = parseFilter(parseJson(options.filter), meta, model, undefined, scope)
  if (options.sort !== undefined) read.sort = parseSort(options.sort, meta)
  if (options.after !== undefined) read.after = decodeCursor(options.after, meta, read.sort)
  const children = parseChildQueries(meta, options.children ?? {}, model, scope)
  if (children !== undefined) read.children = children
  if (options.count !== undefined && options.count !== '') read.counts = parseCount(meta, options.count, scope)
  const fields = parseFields(meta, options.fields, options.fieldsOf ?? {}, selection, model, scope)
  if (fields !== undefined) read.fields = fields
  return read
}

/** `count=OrderItem,Book.coAuthorId`: child entities (every reference of theirs) or single references. */
function parseCount (meta: EntityMetadata, raw: string, scope: EntityScope): ChildRelationship[] {
  if (raw.length > MAX_WITH_LENGTH) throw new BadRequestError(`count is longer than ${MAX_WITH_LENGTH} characters`)
  const names = raw.split(',').map(n => n.trim()).filter(n => n !== '')
  const unknown = names.filter(n => !meta.children.some(c => c.child === n || c.key === n))
  if (unknown.length > 0) {
    const valid = childRelationshipNames(meta)
    throw new BadRequestError(
      `unknown child relationship ${unknown.map(n => `'${n}'`).join(', ')} in ` +
        `count; ${meta.name} ${valid.length === 0 ? 'has no children' : `accepts ${valid.join(', ')}`}`,
      unknown.map(n => ({ path: '/count', message: `unknown child relationship '${n}'` }))
    )
  }
  const counted = meta.children.filter(c => names.includes(c.child) || names.includes(c.key))
  for (const rel of counted) scope.check(rel.child, `count=${rel.child}`, '/count')
  return counted
}

/**
 * `limit[Child]` and `sort[Child]`, for any child entity a graph of `meta` can reach: one the
 * request's `with` does not load is accepted and has no effect, so a client may send one set
 * of limits whatever `with` and `depth` it asks for.
 */
function parseChildQueries (meta: EntityMetadata, options: NonNullable<ReadParams['children']>,
  model: RelationshipMetadata, scope: EntityScope): ChildQueries | undefined {
  const queries: Record<string, ChildQuery> = {}
  for (const [child, asked] of Object.entries(options)) {
    for (const kind of ['limit', 'sort'] as const) {
      const value = asked[kind]
      if (value === undefined || value === '') continue
      const name = `${kind}[${child}]`
      // under a scope, an entity outside it is refused first: saying so is the fix
      if (model.has(child)) scope.check(child, name, `/${name}`)
      checkChildName(meta, name, kind, child, model)
      const query = queries[child] ??= {}
      if (kind === 'limit') {
        const limit = Number(value)
        if (!Number.isInteger(limit) || limit < 0) {
          throw new BadRequestError(`${name} must be an integer >= 0`, [
            { path: `/${name}`, message: 'must be an integer >= 0' }
          ])
        }
        queries[child] = { ...query, limit }
      } else {
        queries[child] = { ...query, sort: parseSort(String(value), model.entity(child)) }
      }
    }
  }
  return Object.keys(queries).length === 0 ? undefined : queries
}

/** Refuses a `limit[X]`/`sort[X]` whose X is no child entity a graph of `meta` can load, saying what is. */
function checkChildName (meta: EntityMetadata, name: string, kind: string, child: string,
  model: RelationshipMetadata): void {
  const reachable = reachableChildren(meta, model)
  if (reachable.has(child)) return
  const entity = child.slice(0, child.indexOf('.'))
  if (child.includes('.') && reachable.has(entity)) {
    throw new BadRequestError(
      `${name}: a child ${kind} names a child entity, not one of its references; write ${kind}[${entity}] ` +
        `(it applies to every reference of ${entity}, at every level ${entity} is loaded)`,
      [{ path: `/${name}`, message: `use ${kind}[${entity}]` }])
  }
  const valid = [...reachable.keys()]
  throw new BadRequestError(
    `${name} names no child entity a graph of ${meta.name} can load; ` +
      (valid.length === 0 ? `${meta.name} graphs load no children` : `the child entities are ${valid.join(', ')}`),
    [{ path: `/${name}`, message: 'not a child entity' }])
}

function parseJson (text: string): unknown {
  if (text.length > MAX_FILTER_LENGTH) {
    throw new BadRequestError(`filter is longer than ${MAX_FILTER_LENGTH} characters`)
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    const hint = bracesLost(text) ? CURL_HINT : ''
    throw new BadRequestError(`filter is not valid JSON: ${(err as Error).message}${hint}`,
      [{ path: '/filter', message: 'not valid JSON' }])
  }
}

const CURL_HINT = '; it is JSON once wrapped in {}: curl takes {} and [] in URLs as globs, so use curl -g, ' +
  'or -G --data-urlencode \'filter={...}\''

/** `"status":"paid"`: a filter whose outer braces a shell or curl's URL globbing removed. */
function bracesLost (text: string): boolean {
  try {
    JSON.parse(`{${text}}`)
    return true
  } catch {
    return false
  }
}
