// The typed read request of each query string, parsed once: a route's answers to the same query
// string (and API key scope) are parsed the same way every time, and parsing `with`, `fields` and
// the bracket families costs more than a point read of SQLite (3 µs for none, 10 for `with=all`).
// Only requests that parsed are kept; a refused one is parsed (and refused) again each time.
import type { FastifyRequest } from 'fastify'
import { LRUCache } from 'lru-cache'
import type { EntityApi, ReadQuery } from '../src/entities/entity-api.js'
import type { RawQuery } from '../src/entities/query.js'

/** Distinct query strings kept per entity: cursors (`after`) make many, each used once. */
const KEPT = 500

/** What of a request the parse reads: its query string, parsed and validated, and its API key's scope. */
export type ParseRead = (request: Pick<FastifyRequest, 'url' | 'entityScope'> & { query: RawQuery }) => ReadQuery

export function parsedQueries (api: EntityApi): ParseRead {
  const parsed = new LRUCache<string, ReadQuery>({ max: KEPT })
  return function parseRead (request) {
    const { url } = request
    const at = url.indexOf('?')
    const key = `${request.entityScope.cacheKey}\0${at === -1 ? '' : url.slice(at + 1)}`
    let query = parsed.get(key)
    if (query === undefined) parsed.set(key, query = Object.freeze(api.parse(request.query, request.entityScope)))
    return query
  }
}
