// Keeps the id rule true as routes are added: a fixed sub-route under /api/<route>/ (like
// /stream) hides the document whose id equals it, so start-up fails unless that segment is
// one of the reserved ids that writes refuse.
import type { FastifyInstance } from 'fastify'
import { RESERVED_IDS } from '../src/model/id-rule.js'

/** The fixed segment right after /api/<route>/ in `url`, if any. */
function fixedSegment (url: string, routes: ReadonlySet<string>): string | undefined {
  const [empty, api, route, segment] = url.split('/')
  if (empty !== '' || api !== 'api' || route === undefined || !routes.has(route)) return undefined
  if (segment === undefined || segment === '' || segment.startsWith(':')) return undefined
  return segment
}

/** Refuses, from now on, any route that would hide an id the writes accept. */
export function guardReservedSegments (app: FastifyInstance, routes: readonly string[]): void {
  const entityRoutes = new Set(routes)
  app.addHook('onRoute', function assertReserved (route) {
    const segment = fixedSegment(route.url, entityRoutes)
    if (segment === undefined || RESERVED_IDS.includes(segment)) return
    throw new Error(`route ${route.method.toString()} ${route.url} hides the document whose id is '${segment}': ` +
      'add the segment to RESERVED_IDS in src/model/id-rule.ts so that writes refuse that id')
  })
}
