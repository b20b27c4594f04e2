// Every route's query string is checked by name (routes/query-names.ts) before its values. On a
// route that Fastify would validate with its own compiler (the reads: lists, streams, GET by id,
// identity links, parked writes), the names, the values and the typed read request are checked
// once per distinct query string and then looked up (routes/checked-queries.ts), and the path
// parameters after them; the schemas stay in the route, for OpenAPI. That check runs as the first
// step of the route's handler: a preValidation hook and Fastify's validation step (with nothing
// left to validate) cost a plain GET more than the check itself. A read route has no hook between
// validation and its handler (preHandler), so the order of what a client is told is unchanged.
// A route with its own validator compiler (the writes) has its names checked on each request,
// in a preValidation hook, before that compiler's validation.
import fp from 'fastify-plugin'
import type {
  FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteHandlerMethod, RouteOptions
} from 'fastify'
import { checkNames, queryNames, type QueryNames } from '../routes/query-names.js'
import { checkedQueries, READ_QUERY } from '../routes/checked-queries.js'
import { compileValidator, skipChecked } from '../routes/query-validator.js'

type PreValidation = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

/** A callback hook: an async one costs a promise and a microtask turn on every request. */
function namesOnly (known: QueryNames): PreValidation {
  return function checkQueryNames (request, _reply, done) {
    try {
      checkNames(request, known)
    } catch (error) {
      return done(error as Error)
    }
    done()
  }
}

/** The route's handler, after the check of its request (which throws the 400 that Fastify sends). */
function checkedHandler (check: (request: FastifyRequest) => void, handler: RouteHandlerMethod): RouteHandlerMethod {
  return function checkedRead (request, reply) {
    check(request)
    return handler.call(this, request, reply)
  }
}

export default fp(async function queryParamsPlugin (app) {
  app.decorateRequest(READ_QUERY, null)
  app.addHook('onRoute', function checkQueries (route: RouteOptions) {
    const schema = route.schema?.querystring
    const names = queryNames(schema)
    if (names === undefined) return
    if (route.validatorCompiler === undefined) {
      if (route.preHandler !== undefined) {
        throw new Error(`${route.method.toString()} ${route.url}: a read route's request is checked in its handler, ` +
          'after any preHandler hook: see plugins/query-params.ts')
      }
      const params = route.schema?.params
      const check = checkedQueries({
        names,
        validate: compileValidator(schema),
        parse: route.config?.parseQuery,
        params: params === undefined ? undefined : compileValidator(params)
      })
      route.handler = checkedHandler(check, route.handler)
      route.validatorCompiler = skipChecked
      return
    }
    const check = namesOnly(names)
    const hooks = route.preValidation
    route.preValidation = hooks === undefined ? [check] : [check, ...(Array.isArray(hooks) ? hooks : [hooks])]
  })
}, { name: 'relata-query-params', fastify: '5.x' })
