// What request bodies the routes take. One JSON parser for application/json and
// application/merge-patch+json that names a refused key instead of calling the body invalid,
// and a check, before any body is read, that the body's media type is one the route declares
// in `config.accepts` (so POST refuses a merge patch, and a collection refuses NDJSON with a
// pointer to its /import route).
import fp from 'fastify-plugin'
import type { FastifyBodyParser, FastifyRequest, RouteOptions } from 'fastify'
import { InvalidJsonError, UnsupportedMediaTypeError } from '../routes/http-errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Media types of the bodies the route takes; the others are a 415 listing these. */
    accepts?: readonly string[]
    /** Per refused media type, a sentence telling where such a body goes instead. */
    refusedHints?: Readonly<Record<string, string>>
  }
}

export const JSON_TYPE = 'application/json'
export const MERGE_PATCH_TYPE = 'application/merge-patch+json'

/** `Application/JSON; charset=utf-8` → `application/json`. */
export function mediaType (header: string): string {
  return header.split(';')[0]!.trim().toLowerCase()
}

/** Parses a JSON body, refusing the keys that could reach Object.prototype once merged or copied. */
export function parseJsonBody (text: string): unknown {
  if (text.length === 0) throw new InvalidJsonError('the body is empty; send a JSON document')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new InvalidJsonError(`the body is not valid JSON: ${(err as Error).message}`)
  }
  // only a text that spells such a key, or escapes a character of one, needs the walk
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    const path = refusedKey(value)
    if (path !== undefined) {
      throw new InvalidJsonError(
        `the body holds the key ${path}, which is refused because it could reach Object.prototype; rename or remove it`,
        [{ path, message: 'refused key' }])
    }
  }
  return value
}

/** JSON pointer of the first `__proto__` key, or `constructor` key holding `prototype`; iterative, for deep bodies. */
function refusedKey (root: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[root, '']]
  while (stack.length > 0) {
    const [value, path] = stack.pop()!
    if (typeof value !== 'object' || value === null) continue
    for (const [key, child] of Object.entries(value)) {
      const at = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
      if (key === '__proto__') return at
      if (key === 'constructor' && typeof child === 'object' && child !== null && Object.hasOwn(child, 'prototype')) {
        return `${at}/prototype`
      }
      stack.push([child, at])
    }
  }
  return undefined
}

function hasBody (request: FastifyRequest): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/** The 415 of a route that takes `accepts`, for a body of `type` (undefined: no Content-Type). */
export function unsupportedMediaType (request: FastifyRequest, type: string | undefined): UnsupportedMediaTypeError {
  const { accepts = [], refusedHints = {} } = request.routeOptions.config
  const route = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`
  const takes = accepts.length === 0 ? 'takes no body' : `takes ${accepts.join(' or ')}`
  const sent = type === undefined ? 'a body without Content-Type' : `Content-Type ${type}`
  const hint = type === undefined ? undefined : refusedHints[type]
  return new UnsupportedMediaTypeError(`${route} ${takes}, not ${sent}${hint === undefined ? '' : `; ${hint}`}`)
}

const parseJson: FastifyBodyParser<string> = function parseJson (_request, body, done) {
  try {
    done(null, parseJsonBody(body))
  } catch (err) {
    done(err as Error, undefined)
  }
}

export default fp(async function bodiesPlugin (app) {
  app.removeContentTypeParser([JSON_TYPE])
  app.addContentTypeParser([JSON_TYPE, MERGE_PATCH_TYPE], { parseAs: 'string' }, parseJson)
  // only on the routes that declare what they accept: the reads pay nothing for it
  app.addHook('onRoute', function addMediaTypeCheck (route: RouteOptions) {
    const accepts = route.config?.accepts
    if (accepts === undefined) return
    const check = async function checkMediaType (request: FastifyRequest): Promise<void> {
      const header = request.headers['content-type']
      if (header === undefined) {
        if (hasBody(request)) throw unsupportedMediaType(request, undefined)
        return
      }
      const type = mediaType(header)
      if (!accepts.includes(type)) throw unsupportedMediaType(request, type)
    }
    const hooks = route.preParsing
    route.preParsing = hooks === undefined ? [check] : [check, ...(Array.isArray(hooks) ? hooks : [hooks])]
  })
}, { name: 'relata-bodies', dependencies: ['relata-problems'], fastify: '5.x' })
