// Relationship selections and paths, resolved and walked in one place: the one rule that says
// what a path step names (for `with`, `fields[...]`), the relationships a selection loads with
// what goes on below each, the relatives a graph holds through them, and the child entities a
// graph of an entity can reach. Parsing, field trimming, row budgets, child page links,
// normalization and the OpenAPI parameters all walk selections through here.
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { ChildRelationship, EntityMetadata, ParentRelationship } from '../metadata/types.js'
import type { Doc } from '../store/store.js'
import type { Graph, Selection } from './graph.js'

/** The deepest graph `depth` (or a path) may ask for. */
export const MAX_DEPTH = 4

/** What a path step is resolved against: an entity's relationships, or those a selection loads. */
export interface Relationships {
  readonly parents: readonly ParentRelationship[]
  readonly children: readonly ChildRelationship[]
}

/** What the first step of a path names, and the steps left after it. */
export interface Step {
  parent?: ParentRelationship
  /** The child relationships named: one for `Child.refProp`, each reference of the child entity for `Child`. */
  children: readonly ChildRelationship[]
  rest: readonly string[]
}

/**
 * The relationships the first step of `steps` names among `of`: `Child.refProp` wins over
 * "Child, then its parent refProp", a parent property over a child entity; none when it names
 * nothing.
 */
export function firstStep (of: Relationships, steps: readonly string[]): Step {
  const [step, following] = [steps[0]!, steps[1]]
  const one = following === undefined ? undefined : of.children.find(c => c.key === `${step}.${following}`)
  if (one !== undefined) return { children: [one], rest: steps.slice(2) }
  const parent = of.parents.find(p => p.property === step)
  if (parent !== undefined) return { parent, children: [], rest: steps.slice(1) }
  return { children: of.children.filter(c => c.child === step), rest: steps.slice(1) }
}

/** One relationship a selection loads. */
export interface Edge {
  /** Parent property or `Child.refProp`: the key of Selection.nested and of field selections. */
  key: string
  /** The entity it reaches. */
  target: string
  /** Set for a child relationship. */
  child?: ChildRelationship
  /** What is loaded of the documents it reaches, when the path goes on. */
  next?: Selection
}

/** The relationships `selection` loads, parents first, in the order of its answers. */
export function edgesOf (selection: Selection): Edge[] {
  const nested = selection.nested
  const edge = (key: string, target: string, child?: ChildRelationship): Edge => {
    const next = nested?.[key]
    return { key, target, ...(child === undefined ? {} : { child }), ...(next === undefined ? {} : { next }) }
  }
  return [
    ...selection.parents.map(rel => edge(rel.property, rel.target)),
    ...selection.children.map(rel => edge(rel.key, rel.child, rel))
  ]
}

/** Calls `visit` with each relative `graph` holds through each relationship of `selection` (not the null parents). */
export function eachRelative (graph: Graph, selection: Selection,
  visit: (relative: Doc | Graph, edge: Edge) => void): void {
  for (const edge of edgesOf(selection)) {
    if (edge.child === undefined) {
      const parent = graph.parents[edge.key]
      if (parent !== null && parent !== undefined) visit(parent, edge)
    } else {
      for (const child of graph.children[edge.child.child]?.[edge.child.property] ?? []) visit(child, edge)
    }
  }
}

/** `with` paths that load `selection`: each relationship, and the paths that go on through it. */
export function selectionPaths (selection: Selection): string[] {
  return edgesOf(selection).flatMap(function pathsThrough ({ key, next }) {
    return next === undefined ? [key] : selectionPaths(next).map(path => `${key}.${path}`)
  })
}

/** Every child entity a selection loads, at any depth: the ones `limit[Child]` and `sort[Child]` apply to. */
export function childEntities (selection: Selection, into = new Set<string>()): Set<string> {
  for (const rel of selection.children) into.add(rel.child)
  for (const next of Object.values(selection.nested ?? {})) childEntities(next, into)
  return into
}

/**
 * The child entities a graph of `meta` can load within MAX_DEPTH hops (through `with` paths or
 * `depth`), each with the entities whose children it is there: the names `limit[Child]` and
 * `sort[Child]` may take, whether or not one request reaches them, so that a client can send
 * one set of limits for every depth.
 */
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
