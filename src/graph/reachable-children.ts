// The child entities a graph of one entity can load within MAX_DEPTH hops (through `with`
// paths or `depth`): the names `limit[Child]` and `sort[Child]` may take, whether or not one
// request reaches them, so that a client can send one set of limits for every depth.
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { EntityMetadata } from '../metadata/types.js'
import { MAX_DEPTH } from './parse-with.js'

/** Child entity → the entities whose children it is there. */
export function reachableChildren (meta: EntityMetadata, model: RelationshipMetadata): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>()
  let level = new Set([meta.name])
  for (let hop = 0; hop < MAX_DEPTH && level.size > 0; hop++) {
    const next = new Set<string>()
    for (const name of level) {
      const entity = name === meta.name ? meta : model.entity(name)
      for (const p of entity.parents) next.add(p.target)
      for (const c of entity.children) {
        let parents = found.get(c.child)
        if (parents === undefined) found.set(c.child, parents = new Set())
        parents.add(name)
        next.add(c.child)
      }
    }
    level = next
  }
  return found
}
