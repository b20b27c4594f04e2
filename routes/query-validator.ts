// The validators of the read routes' query strings and paths, compiled as Fastify compiles every
// other route's: the same AJV compiler (@fastify/ajv-compiler) with the same options, so a value
// is coerced, defaulted and refused exactly alike, with the same error paths and messages.
import AjvCompiler from '@fastify/ajv-compiler'
import type { FastifyError, FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'

/** The server's AJV options (Fastify's `ajv`): the model's own keywords are known, not refused. */
export const AJV_OPTIONS = { customOptions: { keywords: ['x-parent', 'x-internal', 'x-on-missing-parent'] } }

export interface QueryValidator {
  /** Coerces and defaults `query` in place; false when it is refused (see errors). */
  (query: unknown): boolean
  errors?: FastifySchemaValidationError[] | null
}

const compile = AjvCompiler()({}, { ...AJV_OPTIONS, plugins: [] })

/** The compiled validator of one schema. */
export function compileValidator (schema: unknown): QueryValidator {
  return compile({ schema: schema as object, method: 'GET', url: '', httpPart: 'querystring' }) as QueryValidator
}

/**
 * The compiler of a route whose query string is validated when it is first seen (plugins/query-params.ts):
 * Fastify leaves it alone, and validates the other parts as usual.
 */
export const skipQuerystring: FastifySchemaCompiler<unknown> = function compileAllButQuery (route) {
  if (route.httpPart === 'querystring') return passed
  return compileValidator(route.schema)
}

function passed (): true {
  return true
}

/** The error Fastify raises for a refused query string: the problem handler reads its validation. */
export function querystringError (errors: FastifySchemaValidationError[]): FastifyError {
  const text = errors.map(e => `querystring${e.instancePath} ${e.message ?? ''}`).join(', ')
  return Object.assign(new Error(text), {
    code: 'FST_ERR_VALIDATION', statusCode: 400, validation: errors, validationContext: 'querystring'
  }) as FastifyError
}
