// Domain errors. Each class says what went wrong in terms of the model and the data;
// the HTTP layer maps the classes to status codes, the library never does.

export interface FieldError {
  /** JSON pointer into the offending input, e.g. `/3/price` for item 3 of a bulk body. */
  path: string
  message: string
}

export class RelataError extends Error {
  constructor (message: string, readonly code: string) {
    super(message)
    this.name = new.target.name
  }
}

/** The request asked for something malformed: a bad filter, sort, `with` or id. */
export class BadRequestError extends RelataError {
  constructor (message: string, readonly errors: FieldError[] = []) {
    super(message, 'bad-request')
  }
}

/** A document failed its entity's schema; nothing of the write was stored. */
export class ValidationError extends RelataError {
  constructor (message: string, readonly errors: FieldError[]) {
    super(message, 'validation-failed')
  }
}

/** A write referenced parents that do not exist, through a relationship whose policy is reject. */
export class MissingParentError extends RelataError {
  constructor (message: string, readonly errors: FieldError[]) {
    super(message, 'missing-parent')
  }
}

/**
 * A write would give a unique key (`x-unique`, `x-unique-keys`) a value another document holds;
 * nothing of the write was stored. `index` is the document's position in the batch the store got.
 */
export class KeyConflictError extends RelataError {
  readonly errors: FieldError[]

  constructor (
    readonly entity: string,
    readonly key: readonly string[],
    readonly value: readonly unknown[],
    readonly existingId: string,
    readonly index: number,
    readonly id: string,
    where: (index: number) => string = i => `/${i}`
  ) {
    super(`${entity} '${id}' cannot take ${describeKey(key, value)}: ${entity} '${existingId}' holds it ` +
      `(unique key ${key.join(', ')}); nothing was written`, 'key-conflict')
    const message = `${describeKey(key, value)} is held by ${entity} '${existingId}'`
    this.errors = [{ path: `${where(index)}/${key[0]!}`, message }]
  }

  /** The same conflict at position `index` of the caller's input, located by `where`. */
  at (index: number, where: (index: number) => string): KeyConflictError {
    return new KeyConflictError(this.entity, this.key, this.value, this.existingId, index, this.id, where)
  }
}

/**
 * A write would change (or drop) a parent's key value that children reference through
 * `x-parent-key`: their references would point at nothing. `index` is the document's position
 * in the write; one referencing child is named.
 */
export class KeyInUseError extends RelataError {
  readonly errors: FieldError[]

  constructor (
    readonly entity: string,
    readonly id: string,
    readonly key: string,
    readonly value: string,
    readonly child: { entity: string, property: string, id: string },
    readonly index: number,
    where: (index: number) => string = i => `/${i}`
  ) {
    super(`${entity} '${id}' cannot change ${key} ${JSON.stringify(value)}: ${child.entity} '${child.id}' ` +
      `references it (${child.entity}.${child.property}); change or delete the documents referencing it first; ` +
      'nothing was written', 'key-in-use')
    this.errors = [{
      path: `${where(index)}/${key}`,
      message: `${key} ${JSON.stringify(value)} is referenced by ${child.entity} '${child.id}' (${child.property})`
    }]
  }
}

function describeKey (key: readonly string[], value: readonly unknown[]): string {
  return key.length === 1
    ? `${key[0]!} ${JSON.stringify(value[0])}`
    : `(${key.join(', ')}) (${value.map(v => JSON.stringify(v)).join(', ')})`
}

/** Stored documents break a unique key declared since they were written; raised at start-up. */
export class ExistingDuplicatesError extends RelataError {
  constructor (entity: string, key: readonly string[], value: readonly unknown[], ids: readonly string[]) {
    super(`entity '${entity}' unique key ${key.join(', ')}: stored documents ${ids.slice(0, 2).map(id => `'${id}'`)
      .join(' and ')} both have ${describeKey(key, value)}${ids.length > 2 ? ` (and ${ids.length - 2} more)` : ''}; ` +
      'change or delete the duplicates, or drop the key from the model, then start again', 'duplicate-keys')
  }
}

/** A request could load more related documents than the server allows; the errors say what to limit. */
export class RowBudgetError extends RelataError {
  constructor (message: string, readonly errors: FieldError[]) {
    super(message, 'row-budget-exceeded')
  }
}

/** The request reaches an entity outside the caller's scope (an API key's entity list). */
export class ForbiddenError extends RelataError {
  constructor (message: string, readonly entity: string, readonly errors: FieldError[] = []) {
    super(message, 'forbidden')
  }
}

/** A source id is already linked to another document than the one a write or a link names. */
export class LinkConflictError extends RelataError {
  constructor (message: string, readonly errors: FieldError[] = []) {
    super(message, 'link-conflict')
  }
}

export class NotFoundError extends RelataError {
  constructor (readonly entity: string, readonly id: string) {
    super(`${entity} '${id}' does not exist`, 'not-found')
  }
}

/**
 * The store could not be reached or failed; the caller may retry later. `detail` is what a client
 * may be told (which operation, which setting); `reason`, the driver's own text, is only added to
 * the message, which operators read in the log.
 */
export class StoreUnavailableError extends RelataError {
  detail: string
  readonly reason: string | undefined
  constructor (detail: string, options?: { cause?: unknown, reason?: string }) {
    super(options?.reason === undefined ? detail : `${detail} (${options.reason})`, 'store-unavailable')
    this.detail = detail
    this.reason = options?.reason
    if (options?.cause !== undefined) this.cause = options.cause
  }
}

/**
 * Whoever asked for a store call went away (an HTTP client that disconnected): the call was
 * cancelled and its statement stopped. Nobody is left to answer.
 */
export class CancelledError extends RelataError {
  constructor (message: string) {
    super(message, 'cancelled')
  }
}

/** The model is inconsistent; raised at start-up, naming the entity and property at fault. */
export class ModelError extends RelataError {
  constructor (message: string) {
    super(message, 'model-invalid')
  }
}

/** A configuration value is unusable; raised at start-up, naming the variable. */
export class ConfigError extends RelataError {
  constructor (message: string) {
    super(message, 'config-invalid')
  }
}
