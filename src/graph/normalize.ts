// The normalized shape of a batch of graphs (`shape=normalized`): the entities themselves in
// `data`, and every relative once in `included`, by entity and id, however many entities share
// it. Children are found again by their reference property, parents by the entity's. A document
// reached through several paths trimmed to different `fields` is included with their union.
import type { Doc } from '../store/store.js'
import type { Graph, GraphMeta, Selection } from './graph.js'
import { eachRelative } from './selection.js'

export interface Normalized {
  data: Doc[]
  /** Entity name → id → document: every parent and child the graphs hold, at any depth, once. */
  included: Record<string, Record<string, Doc>>
  /** Entity id → its child page report, for the entities of `data` that have one; `{}` when none has. */
  meta: Record<string, GraphMeta>
}

export function normalize (items: ReadonlyArray<Doc | Graph>, selection: Selection | undefined): Normalized {
  const included: Record<string, Record<string, Doc>> = {}
  const meta: Record<string, GraphMeta> = {}
  const data = items.map(function flatten (item) {
    // every document has an id and a graph never has one at its top; graphs come from `with` and
    // from `count` alone (no selection, its counts in `meta`)
    if (Object.hasOwn(item, 'id')) return item as Doc
    const graph = item as Graph
    if (selection !== undefined) collect(graph, selection, included)
    if (graph.meta !== undefined) meta[graph.entity.id] = graph.meta
    return graph.entity
  })
  // always present, so that the shape depends on the request only, never on the data
  return { data, included, meta }
}

function collect (graph: Graph, selection: Selection, included: Normalized['included']): void {
  eachRelative(graph, selection, function add (value, { target, next }) {
    const doc = next === undefined ? value as Doc : (value as Graph).entity
    // ids come from clients: maps without a prototype, so that no id can reach Object.prototype
    const byId = included[target] ??= Object.create(null) as Record<string, Doc>
    const seen = byId[doc.id]
    byId[doc.id] = seen === undefined ? doc : union(seen, doc)
    if (next !== undefined) collect(value as Graph, next, included)
  })
}

/** Two copies of one document, trimmed to different fields, as one: `a` itself when it has every property of `b`. */
function union (a: Doc, b: Doc): Doc {
  if (a === b || Object.keys(b).every(key => Object.hasOwn(a, key))) return a
  // a new object: `a` may be a store document or shared by graphs; spread defines, so `__proto__` stays data
  return { ...a, ...b }
}
