// A route validator for routes whose body is checked elsewhere (by the model, one document or
// line at a time, with per-item error paths): path and query string are still validated,
// converted and defaulted, so a bad parameter is a 400 naming it and never reaches a handler.
import type { FastifySchemaCompiler } from 'fastify'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import Value from 'typebox/value'

export const validateAllButBody: FastifySchemaCompiler<TSchema> = function compile ({ schema, httpPart }) {
  if (httpPart === 'body') return () => true
  const check = Compile(schema)
  return function validate (input) {
    // Default and Convert may change their argument in place: keep the input to compare with
    const given = typeof input === 'object' && input !== null ? { ...input } : input
    const value = Value.Convert(schema, Value.Default(schema, input))
    undoLossyNumbers(given, value)
    return check.Check(value) ? { value } : { error: [...check.Errors(value)] }
  }
}

/** TypeBox converts '1.5' to the integer 1: such a parameter is put back, for the check to refuse it. */
function undoLossyNumbers (input: unknown, converted: unknown): void {
  if (typeof input !== 'object' || input === null || typeof converted !== 'object' || converted === null) return
  const from = input as Record<string, unknown>
  const to = converted as Record<string, unknown>
  for (const key of Object.keys(to)) {
    const text = from[key]
    if (typeof text === 'string' && typeof to[key] === 'number' && Number(text) !== to[key]) to[key] = text
  }
}
