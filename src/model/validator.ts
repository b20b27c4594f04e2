// Validates documents against their entity's schema with TypeBox's compiled validators, so the
// library and the HTTP layer share one validator and bulk writes get per-item error paths.
import { Compile } from 'typebox/compile'
import { ValidationError, type FieldError } from '../errors.js'
import type { EntityMetadata } from '../metadata/types.js'

type Validator = ReturnType<typeof Compile>
const validators = new WeakMap<EntityMetadata, Validator>()
const MAX_ERRORS = 50

function validatorFor (meta: EntityMetadata): Validator {
  let validator = validators.get(meta)
  if (validator === undefined) {
    validator = Compile(meta.schema as Parameters<typeof Compile>[0])
    validators.set(meta, validator)
  }
  return validator
}

/** Throws a ValidationError listing every failure; `prefix(i)` locates item i in the input. */
export function validateDocs (meta: EntityMetadata, docs: readonly unknown[], prefix: (index: number) => string): void {
  const validator = validatorFor(meta)
  const errors: FieldError[] = []
  for (let i = 0; i < docs.length && errors.length < MAX_ERRORS; i++) {
    if (validator.Check(docs[i])) continue
    for (const e of validator.Errors(docs[i])) {
      errors.push({ path: `${prefix(i)}${e.instancePath}`, message: e.message })
    }
  }
  if (errors.length > 0) {
    const first = errors[0]!
    throw new ValidationError(
      `${meta.name} failed validation: ${first.path || '/'} ${first.message}${errors.length > 1
? ' ' +
        `(and ${errors.length - 1} more)`
: ''}`,
      errors.slice(0, MAX_ERRORS)
    )
  }
}
