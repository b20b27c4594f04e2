// Query parameters are checked by name before the schema validates their values: one that the
// route does not declare (a typo, `limit=5`, `size` on a stream) or one given twice
// (`with=a&with=b`) is a 400 naming it and what the route takes, never silently ignored or
// reported as "must be string". The bracket families `limit[Child]`, `sort[Child]` and
// `fields[relationship]` pass on by name to the query parser, which checks the names inside.
import type { FastifyRequest } from 'fastify'
import { BadRequestError } from '../src/errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Why a parameter that other routes of the entity take does not apply to this one. */
    inapplicable?: Readonly<Record<string, string>>
  }
}

const FAMILY = /^(limit|sort|fields)\[.+\]$/
const FAMILY_NAMES: Record<string, string> = {
  limit: 'limit[<Child>]',
  sort: 'sort[<Child>]',
  fields: 'fields[<relationship>]'
}
/** Parameters whose values are comma lists: a second value belongs in the first. */
const LISTS = /^(with|count|fields|sort)(\[.+\])?$/

export interface QueryNames {
  names: Set<string>
  families: Set<string>
  /** What the route takes, for messages: plain names, then the families. */
  listed: string
}

/** The names a querystring schema declares; undefined when the route has none. */
export function queryNames (schema: unknown): QueryNames | undefined {
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties
  if (properties === undefined) return undefined
  const names = new Set<string>()
  const families = new Set<string>()
  for (const name of Object.keys(properties)) {
    const family = FAMILY.exec(name)?.[1]
    if (family === undefined) names.add(name)
    else families.add(family)
  }
  // a route that selects fields reads every family by name, also for children it does not declare
  if (names.has('fields')) for (const family of Object.keys(FAMILY_NAMES)) families.add(family)
  const listed = [...[...names].sort(), ...[...families].sort().map(f => FAMILY_NAMES[f]!)].join(', ')
  return { names, families, listed }
}

function repeated (name: string, count: number): BadRequestError {
  const fix = LISTS.test(name) ? `list the values in one, comma-separated (${name}=a,b)` : 'give it once'
  return new BadRequestError(`query parameter '${name}' is given ${count} times; ${fix}`,
    [{ path: `/querystring/${name}`, message: 'given more than once' }])
}

function unknown (request: FastifyRequest, name: string, known: QueryNames): BadRequestError {
  const route = `${request.method} ${request.routeOptions.url ?? ''}`
  const why = request.routeOptions.config.inapplicable?.[name]
  const because = why === undefined ? '' : ` (${why})`
  return new BadRequestError(
    `${route} takes no query parameter '${name}'${because}; it takes ${known.listed || 'none'}`,
    [{ path: `/querystring/${name}`, message: 'unknown parameter' }])
}

/** Throws the 400 of the first parameter of the request's query that the route does not take once. */
export function checkNames (request: FastifyRequest, known: QueryNames): void {
  for (const [name, value] of Object.entries(request.query as Record<string, unknown>)) {
    if (Array.isArray(value)) throw repeated(name, value.length)
    const family = FAMILY.exec(name)?.[1]
    if (family === undefined ? !known.names.has(name) : !known.families.has(family)) {
      throw unknown(request, name, known)
    }
  }
}
