// The memory store's identity links: per entity, a map from (source, sourceId) to the document
// id, and per document id its keys, so that a page of one document's links reads no others.
import { compareLinks, distinctLinks, linkConflict, linkKeyText } from '../links.js'
import type { IdentityLink, LinkKey, LinkQuery } from '../store.js'

export class MemoryLinks {
  readonly #byKey = new Map<string, IdentityLink>()
  readonly #byId = new Map<string, Set<string>>()

  /** The links to add for `links`, or a LinkConflictError; changes nothing. */
  plan (links: readonly IdentityLink[]): IdentityLink[] {
    return distinctLinks(links).filter(link => {
      const held = this.#byKey.get(linkKeyText(link))
      if (held !== undefined && held.id !== link.id) throw linkConflict(link, held.id)
      return held === undefined
    })
  }

  add (links: readonly IdentityLink[]): void {
    for (const { source, sourceId, id } of links) {
      const text = linkKeyText({ source, sourceId })
      this.#byKey.set(text, { source, sourceId, id })
      let keys = this.#byId.get(id)
      if (keys === undefined) this.#byId.set(id, keys = new Set())
      keys.add(text)
    }
  }

  get (key: LinkKey): IdentityLink | undefined {
    const link = this.#byKey.get(linkKeyText(key))
    return link === undefined ? undefined : { ...link }
  }

  page (query: LinkQuery): { items: IdentityLink[], total: number } {
    const keys = query.id === undefined ? this.#byKey.keys() : this.#byId.get(query.id) ?? []
    const matches = [...keys].map(text => this.#byKey.get(text)!)
      .filter(link => query.source === undefined || link.source === query.source)
      .sort(compareLinks)
    const start = (query.page - 1) * query.size
    return { items: matches.slice(start, start + query.size).map(link => ({ ...link })), total: matches.length }
  }

  delete (keys: readonly LinkKey[]): number {
    let deleted = 0
    for (const key of keys) {
      const text = linkKeyText(key)
      const link = this.#byKey.get(text)
      if (link === undefined) continue
      this.#byKey.delete(text)
      this.#byId.get(link.id)?.delete(text)
      deleted++
    }
    return deleted
  }
}
