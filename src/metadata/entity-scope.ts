// The entities one caller may read (an API key's entity list). A scope limits data, not routes:
// the read parsers ask it about every entity a request names, so a relationship, a count or a
// relation filter cannot reach past it. Explicit names outside it are refused; `with=all` and
// `depth` expand only to the relationships inside it.
import { ForbiddenError } from '../errors.js'

export class EntityScope {
  /** No limit: the library, the command line and servers without entity-scoped keys. */
  static readonly EVERY = new EntityScope(undefined)

  /** Sorted, for messages and as part of cache keys. */
  readonly names: readonly string[] | undefined

  constructor (entities: Iterable<string> | undefined) {
    this.names = entities === undefined ? undefined : Object.freeze([...new Set(entities)].sort())
  }

  get limited (): boolean {
    return this.names !== undefined
  }

  allows (entity: string): boolean {
    return this.names === undefined || this.names.includes(entity)
  }

  /** Throws ForbiddenError when `entity` is outside: `how` says what reached it, `path` where in the request. */
  check (entity: string, how: string, path: string): void {
    if (this.allows(entity)) return
    throw new ForbiddenError(
      `${how} reaches ${entity}, and this API key is limited to ${this.names!.join(', ')}`,
      entity, [{ path, message: `reaches ${entity}, outside the API key's entities` }])
  }

  /** Distinguishes scopes in caches of parsed requests. */
  get cacheKey (): string {
    return this.names === undefined ? '*' : this.names.join('+')
  }
}
