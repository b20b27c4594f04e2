// Field selection (`fields=`, `fields[<relationship>]=`): trims the documents of built graphs to
// the properties a client asked for, `id` always kept. It runs after the graph builder, which
// needs the reference properties a client may leave out, and it makes copies: store documents
// and the graphs it is given are shared (a parent by many graphs), so they are never changed.
import type { Doc } from '../store/store.js'
import { documentOf } from '../store/text-doc.js'
import type { Graph, Selection } from './graph.js'

/** What to keep of the documents at one level of a graph, aligned with its Selection. */
export interface FieldSelection {
  /** Properties kept of each document here, `id` among them; every property when absent. */
  readonly keep?: ReadonlySet<string>
  /** Parent property or `Child.refProp` (as in Selection.nested) → what to keep of the documents it reaches. */
  readonly relatives?: Readonly<Record<string, FieldSelection>>
}

/**
 * `items` trimmed to `fields`: graphs when `selection` is given (the selection they were built
 * with), plain documents otherwise. The input is left as it is.
 */
export function trimFields (
  items: ReadonlyArray<Doc | Graph>,
  fields: FieldSelection | undefined,
  selection: Selection | undefined
): Array<Doc | Graph> {
  if (fields === undefined) return items as Array<Doc | Graph>
  const copies = new Copies()
  // the items are distinct documents: only the relatives below them can be shared
  return items.map(item => trimmed(item, fields, selection, copies))
}

/**
 * The trimmed copy of each input object, per field selection: a parent shared by many graphs
 * stays one object, trimmed once.
 */
class Copies {
  readonly #byFields = new Map<FieldSelection, Map<Doc | Graph, Doc | Graph>>()

  of (item: Doc | Graph, fields: FieldSelection, make: () => Doc | Graph): Doc | Graph {
    let copies = this.#byFields.get(fields)
    if (copies === undefined) this.#byFields.set(fields, copies = new Map())
    let copy = copies.get(item)
    if (copy === undefined) copies.set(item, copy = make())
    return copy
  }
}

function trimmed (
  item: Doc | Graph,
  fields: FieldSelection,
  selection: Selection | undefined,
  copies: Copies
): Doc | Graph {
  if (selection === undefined) return pick(item as Doc, fields.keep)
  const graph = item as Graph
  return { ...graph, ...trimRelatives(graph, fields, selection, copies), entity: pick(graph.entity, fields.keep) }
}

function trimRelative (
  item: Doc | Graph,
  fields: FieldSelection,
  selection: Selection | undefined,
  copies: Copies
): Doc | Graph {
  return copies.of(item, fields, () => trimmed(item, fields, selection, copies))
}

/** The parents and children of `graph` with those that have a field selection trimmed. */
function trimRelatives (
  graph: Graph,
  fields: FieldSelection,
  selection: Selection,
  copies: Copies
): Pick<Graph, 'parents' | 'children'> {
  const relatives = fields.relatives
  if (relatives === undefined) return { parents: graph.parents, children: graph.children }
  let parents = graph.parents
  for (const rel of selection.parents) {
    const below = relatives[rel.property]
    const parent = graph.parents[rel.property]
    if (below === undefined || parent === null || parent === undefined) continue
    if (parents === graph.parents) parents = { ...graph.parents }
    parents[rel.property] = trimRelative(parent, below, selection.nested?.[rel.property], copies)
  }
  let children = graph.children
  for (const rel of selection.children) {
    const below = relatives[rel.key]
    const list = graph.children[rel.child]?.[rel.property]
    if (below === undefined || list === undefined) continue
    if (children === graph.children) children = { ...graph.children }
    // the edges of this child entity were copied already when another of its references was trimmed
    const edges =
      children[rel.child] === graph.children[rel.child]
        ? (children[rel.child] = { ...graph.children[rel.child] })
        : children[rel.child]!
    edges[rel.property] = list.map(child => trimRelative(child, below, selection.nested?.[rel.key], copies))
  }
  return { parents, children }
}

/** A copy of `doc` with only the kept properties, in the document's order; `doc` itself when all are kept. */
function pick (stored: Doc, keep: ReadonlySet<string> | undefined): Doc {
  if (keep === undefined) return stored
  // a document read as text holds only its id and references as properties
  const doc = documentOf(stored)
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(doc)) {
    if (!keep.has(key)) continue
    // assigning `__proto__` would set the copy's prototype: a stored `__proto__` key stays plain data
    if (key === '__proto__') {
      Object.defineProperty(copy, key, { value: doc[key], enumerable: true, writable: true, configurable: true })
    } else copy[key] = doc[key]
  }
  return copy as Doc
}
