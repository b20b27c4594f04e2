// A read route's query strings, each checked and parsed once: the names (query-names.ts), the
// values by the route's schema (coerced and defaulted, query-validator.ts) and, on the entity
// routes, the typed read request (EntityApi.parse) are the same for the same query string and API
// key scope every time, so a repeated query string costs one cache lookup. Only query strings that
// pass are kept; a refused one is checked (and refused) again each time, with the same answer.
// The path parameters are checked after it, by the route's params schema, on every request.
import type { FastifyRequest } from 'fastify'
import { LRUCache } from 'lru-cache'
import type { ReadQuery } from '../src/entities/entity-api.js'
import type { RawQuery } from '../src/entities/query.js'
import type { EntityScope } from '../src/metadata/entity-scope.js'
import { checkNames, type QueryNames } from './query-names.js'
import { validationError, type QueryValidator } from './query-validator.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Parses the checked query string into the typed read request the handler takes (readQueryOf). */
    parseQuery?: (query: RawQuery, scope: EntityScope) => ReadQuery
  }
}

/** Distinct query strings kept per route: cursors (`after`) make many, each used once. */
const KEPT = 500

interface Checked {
  /** The query as validation leaves it: coerced and defaulted, frozen (it is shared). */
  query: Readonly<Record<string, unknown>>
  read: ReadQuery | null
}

/** Where a request holds its typed read request: a decoration (null elsewhere), so requests keep one shape. */
export const READ_QUERY = Symbol('readQuery')
type ReadingRequest = FastifyRequest & { [READ_QUERY]: ReadQuery | null }

export interface QueryCheck {
  names: QueryNames
  validate: QueryValidator
  parse: ((query: RawQuery, scope: EntityScope) => ReadQuery) | undefined
  /** The validator of the route's path parameters, when it has a params schema. */
  params: QueryValidator | undefined
}

/**
 * The check of a read route's request, run before its handler (plugins/query-params.ts): the
 * query string checked and parsed once per distinct text, then the path parameters. It throws the
 * 400 Fastify's own validation would raise.
 */
export function checkedQueries ({ names, validate, parse, params }: QueryCheck): (request: FastifyRequest) => void {
  // made on the first query string that passes: an LRUCache allocates its slots up front (about a
  // millisecond for 500), and most routes (HEAD, the admin lists) never see a request
  let kept: LRUCache<string, Checked> | undefined
  // the typed read request depends on the entities the API key may reach: the parsed ones are
  // kept per scope (one object per API key), so that a lookup hashes the query string alone
  const keptByScope = new Map<EntityScope, LRUCache<string, Checked>>()

  function check (request: FastifyRequest): Checked {
    checkNames(request, names)
    const query = request.query as Record<string, unknown>
    if (!validate(query)) throw validationError('querystring', validate.errors ?? [])
    const read = parse === undefined ? null : Object.freeze(parse(query as RawQuery, request.entityScope))
    return { query: Object.freeze(query), read }
  }

  return function checkRequest (request: FastifyRequest): void {
    const { url } = request
    const at = url.indexOf('?')
    const text = at === -1 ? '' : url.slice(at + 1)
    const scope = parse === undefined ? undefined : request.entityScope
    const cache = scope === undefined ? kept : keptByScope.get(scope)
    let checked = cache?.get(text)
    if (checked === undefined) {
      checked = check(request)
      if (cache !== undefined) cache.set(text, checked)
      else if (scope === undefined) (kept = new LRUCache({ max: KEPT })).set(text, checked)
      else keptByScope.set(scope, new LRUCache<string, Checked>({ max: KEPT }).set(text, checked))
    }
    request.query = checked.query
    ;(request as ReadingRequest)[READ_QUERY] = checked.read
    if (params !== undefined && !params(request.params)) throw validationError('params', params.errors ?? [])
  }
}

/** The typed read request of a route whose config has parseQuery, checked and parsed before its handler. */
export function readQueryOf (request: FastifyRequest): ReadQuery {
  const read = (request as ReadingRequest)[READ_QUERY]
  if (read === null) throw new Error(`${request.routeOptions.url ?? ''} has no parseQuery in its config`)
  return read
}
