// Names for the store's statements, so that each connection parses a statement text once and
// then only binds and runs it (a named prepared statement): the graph statements are long, and
// parsing and planning them on every call cost the server about a fifth of the page's CPU
// (bench/postgres-graphs.ts). PostgreSQL replans a prepared statement after DDL, and after five
// runs keeps a generic plan only when it is no costlier than the custom ones.
// Texts differ by query shape only (values are parameters), yet a client can make many shapes
// (filters): past `capacity` texts, new ones run unnamed, so that no connection holds more than
// `capacity` prepared statements.
import type pg from 'pg'

export const PREPARED_CAPACITY = 500

export class PreparedNames {
  readonly #names = new Map<string, string>()

  constructor (private readonly capacity = PREPARED_CAPACITY) {}

  /** The query for `text`: named while it is among the first `capacity` texts seen. */
  query (text: string, values: unknown[]): pg.QueryConfig {
    let name = this.#names.get(text)
    if (name === undefined && this.#names.size < this.capacity) {
      name = `relata_${this.#names.size}`
      this.#names.set(text, name)
    }
    return name === undefined ? { text, values } : { name, text, values }
  }

  /** How many texts have names. */
  get size (): number {
    return this.#names.size
  }
}
