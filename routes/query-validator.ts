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
 * The compiler of a read route, whose query string and path parameters are checked before its
 * handler (plugins/query-params.ts): Fastify validates nothing, so its validation step returns at
 * once, and compiles the other parts (a read has none) as usual.
 */
export const skipChecked: FastifySchemaCompiler<unknown> = function compileAllButChecked (route) {
  // undefined is what Fastify holds for a part without a schema: it skips it
  if (route.httpPart === 'querystring' || route.httpPart === 'params') return undefined as never
  return compileValidator(route.schema)
}

/** The error Fastify raises for a refused request part: the problem handler reads its validation. */
export function validationError (part: 'querystring' | 'params', errors: FastifySchemaValidationError[]): FastifyError {
  const text = errors.map(e => `${part}${e.instancePath} ${e.message ?? ''}`).join(', ')
  return Object.assign(new Error(text), {
    code: 'FST_ERR_VALIDATION', statusCode: 400, validation: errors, validationContext: part
  }) as FastifyError
}
