// Every route's query string is checked by name (routes/query-names.ts) before its values. On a
// route that Fastify would validate with its own compiler (the reads: lists, streams, GET by id,
// identity links, parked writes), the names, the values and the typed read request are checked
// once per distinct query string and then looked up (routes/checked-queries.ts); the schema stays
// in the route, for OpenAPI. A route with its own validator compiler (the writes) has its names
// checked on each request, before that compiler's validation.
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify'
import { checkNames, queryNames, type QueryNames } from '../routes/query-names.js'
import { checkedQueries, READ_QUERY } from '../routes/checked-queries.js'
import { compileValidator, skipQuerystring } from '../routes/query-validator.js'

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

export default fp(async function queryParamsPlugin (app) {
  app.decorateRequest(READ_QUERY, null)
  app.addHook('onRoute', function checkQueries (route: RouteOptions) {
    const schema = route.schema?.querystring
    const names = queryNames(schema)
    if (names === undefined) return
    let check: PreValidation
    if (route.validatorCompiler === undefined) {
      check = checkedQueries({ names, validate: compileValidator(schema), parse: route.config?.parseQuery })
      route.validatorCompiler = skipQuerystring
    } else {
      check = namesOnly(names)
    }
    const hooks = route.preValidation
    route.preValidation = hooks === undefined ? [check] : [check, ...(Array.isArray(hooks) ? hooks : [hooks])]
  })
}, { name: 'relata-query-params', fastify: '5.x' })
