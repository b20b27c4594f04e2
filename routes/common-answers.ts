// The answers a route gives through the plugins around it rather than its handler: rate limit,
// load shedding, internal faults, authentication, body checks, malformed URLs and overlong ids.
// The OpenAPI transform adds them to every operation they apply to, so that no status the
// server sends is undeclared; a route's own description of a status wins.
import type { FastifySchema, RouteOptions } from 'fastify'
import { authStatuses } from '../plugins/auth.js'
import { problem } from './schemas.js'

type Responses = Record<string, unknown>

const TEXT = {
  400: 'The URL or a query parameter is malformed, unknown or repeated: see detail and errors',
  401: 'An API key is required (when the server has keys configured) and was missing or wrong',
  403: 'The API key lacks the scope (read or write) this request needs, or an entity it reaches',
  413: 'The body is larger than the server takes (BODY_LIMIT)',
  414: 'The id in the path is longer than 256 characters',
  415: 'The body\'s Content-Type is not one this route takes; the detail lists them',
  429: 'Too many requests from this client address (RATE_LIMIT_MAX per window); retry after the Retry-After delay',
  500: 'An unexpected fault; the details are logged with the requestId',
  503: 'The server sheds load (event loop delay, heap or RSS past their limits) or the store is unavailable; ' +
    'retry after the Retry-After delay'
} as const

/** Paths the rate limit never counts (plugins/security.ts). */
const UNLIMITED = new Set(['/health'])

/** `schema` with every answer the plugins may give on `route` added, unless the route declares it. */
export function withCommonAnswers (schema: FastifySchema, route: RouteOptions, url: string): FastifySchema {
  const own = schema?.response as Responses | undefined
  if (own === undefined || schema.hide === true) return schema
  const method = (Array.isArray(route.method) ? route.method[0] : route.method) as string
  const statuses: Array<keyof typeof TEXT> = [400, 500, 503, ...authStatuses(url, method)]
  if (!UNLIMITED.has(url)) statuses.push(429)
  const accepts = route.config?.accepts
  // Fastify parses a DELETE's body too: one it has no parser for is a 415, one too large a 413
  if (accepts !== undefined || method === 'DELETE') statuses.push(415)
  if (accepts?.some(type => type.endsWith('json')) === true || method === 'DELETE') statuses.push(413)
  if (url.includes('/:id')) statuses.push(414)
  const added: Responses = {}
  for (const status of statuses.sort()) if (own[status] === undefined) added[status] = problem(TEXT[status])
  return { ...schema, response: { ...own, ...added } }
}
