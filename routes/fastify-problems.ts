// Fastify's own errors and those of its plugins (schema validation, content-type parsing, URL
// decoding, rate limit, load shedding) as problems of the catalogue, with a detail that says
// what to fix instead of Fastify's generic text.
import type { FastifyError, FastifyRequest } from 'fastify'
import type { FieldError } from '../src/errors.js'
import { unsupportedMediaType, mediaType } from '../plugins/bodies.js'
import { PROBLEM_TYPES, type ProblemName } from './problem-types.js'

interface Mapped {
  name: ProblemName
  detail: string
  errors?: FieldError[]
}

interface SchemaError {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

const BY_CODE: Record<string, (error: FastifyError, request: FastifyRequest) => Mapped> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (_error, request) => ({
    name: 'body-too-large',
    detail: `the body is larger than ${request.routeOptions.bodyLimit} bytes (BODY_LIMIT); ` +
      'send fewer documents per request, or NDJSON to /api/<route>/import'
  }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_error, request) => {
    const header = request.headers['content-type']
    const { message } = unsupportedMediaType(request, header === undefined ? undefined : mediaType(header))
    return { name: 'unsupported-media-type', detail: message }
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: () => ({ name: 'invalid-json', detail: 'the body is empty; send a JSON document' }),
  FST_ERR_CTP_INVALID_JSON_BODY: () => ({ name: 'invalid-json', detail: 'the body is not valid JSON' }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => ({
    name: 'bad-request',
    detail: 'the body\'s length differs from its Content-Length header'
  }),
  FST_ERR_BAD_URL: error => ({ name: 'bad-request', detail: `${error.message}: percent-encode it (% is %25)` }),
  FST_ERR_MAX_PARAM_LENGTH: () => ({
    name: 'uri-too-long',
    detail: 'an id in the path is longer than 256 characters (max param length); no document has such an id'
  }),
  FST_UNDER_PRESSURE: () => ({
    name: 'overloaded',
    detail: 'the server is overloaded; retry after the Retry-After delay'
  })
}

/** `must be equal to one of the allowed values` says which. */
function messageOf (v: SchemaError): string {
  const allowed = v.params.allowedValues
  if (v.keyword === 'enum' && Array.isArray(allowed)) return `must be one of ${allowed.join(', ')}`
  return v.message ?? 'invalid'
}

function validationPath (part: string, v: SchemaError): string {
  const missing = v.params.missingProperty as string | undefined
  return `/${part}${v.instancePath}${missing === undefined ? '' : `/${missing}`}`
}

function fromValidation (part: string, validation: readonly SchemaError[]): Mapped {
  const errors = validation.map(v => ({ path: validationPath(part, v), message: messageOf(v) }))
  return {
    name: 'bad-request',
    detail: `invalid ${part}: ${validation.map(v => `${v.instancePath || '/'} ${messageOf(v)}`).join('; ')}`,
    errors
  }
}

/** The problem of an error Fastify or a plugin raised; undefined for anything else (a 500). */
export function fastifyProblem (error: FastifyError, request: FastifyRequest): Mapped | undefined {
  if (error.validation !== undefined) {
    return fromValidation(error.validationContext ?? 'request', error.validation as SchemaError[])
  }
  const mapped = error.code === undefined ? undefined : BY_CODE[error.code]
  if (mapped !== undefined) return mapped(error, request)
  // @fastify/rate-limit throws a plain error with the status
  if (error.statusCode === 429) return { name: 'rate-limited', detail: `${error.message}; see Retry-After` }
  const status = error.statusCode
  if (status === undefined || status < 400 || status >= 500) return undefined
  // another client error keeps its status where the catalogue has one (a rate-limit ban is a 403)
  const [name] = Object.entries(PROBLEM_TYPES).find(([, type]) => type.status === status) ?? ['bad-request']
  return { name: name as ProblemName, detail: error.message }
}
