// Parses `?with=`: `all` (every relationship, `depth` hops), or a comma list of paths. A path
// steps through parent properties (`customerId`), child entities (`OrderItem`: every reference
// it has to the entity) and single child references (`Book.coAuthorId`), each from the entity
// the previous step reached: `OrderItem.productId.categoryId`. Parsed selections are cached per
// entity, text, depth and scope in a bounded LRU, since the text comes from clients. Under an
// entity scope, a path that reaches an entity outside it is refused (403) and `all` expands only
// to the relationships whose entity is inside it.
import { LRUCache } from 'lru-cache'
import { BadRequestError } from '../errors.js'
import { EntityScope } from '../metadata/entity-scope.js'
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import {
  childRelationshipNames,
  type ChildRelationship,
  type EntityMetadata,
  type ParentRelationship
} from '../metadata/types.js'
import type { Selection } from './graph.js'
import { firstStep, MAX_DEPTH } from './selection.js'

export const MAX_WITH_LENGTH = 2048
/** The selection of no relationship: a graph with empty `parents` and `children`. */
export const NO_RELATIONSHIPS: Selection = Object.freeze({ parents: [], children: [] })
const cache = new LRUCache<string, Selection>({ max: 2000 })
/**
 * Which model an entity belongs to, in the cache's keys: two models served in one process (two
 * apps, or a library user's) may give one entity name different relationships.
 */
const served = new WeakMap<EntityMetadata, number>()
let servedCount = 0

/** `Order#2`: the entity of the second model seen. */
function servedName (meta: EntityMetadata): string {
  let n = served.get(meta)
  if (n === undefined) served.set(meta, (n = ++servedCount))
  return `${meta.name}#${n}`
}

export function validWithNames (meta: EntityMetadata): string[] {
  return ['all', ...meta.parents.map(p => p.property), ...childRelationshipNames(meta)]
}

/** The first relationship of `meta`, as `with` names it, and the entity it reaches. */
function firstHops (meta: EntityMetadata): Array<[string, string]> {
  const parents = meta.parents.map(p => [p.property, p.target] as [string, string])
  return [...parents, ...meta.children.map(c => [c.child, c.child] as [string, string])]
}

/**
 * A `with` path of the model being served, for messages and docs: a relationship of `meta` and
 * one of the entity it reaches (not back to `meta` when there is another); one hop without a
 * second hop, none when `meta` has no relationships.
 */
export function examplePath (meta: EntityMetadata, model: RelationshipMetadata): string | undefined {
  const [first] = firstHops(meta)
  if (first === undefined) return undefined
  const next = firstHops(model.entity(first[1]))
  const second = next.find(([, target]) => target !== meta.name) ?? next[0]
  return second === undefined ? first[0] : `${first[0]}.${second[0]}`
}

/** True for the selection of an absent or empty `with`: reads answer plain documents then. */
export function selectsNothing (selection: Selection | undefined): boolean {
  return selection === undefined || selection === NO_RELATIONSHIPS
}

/**
 * `all` goes `depth` hops (default 1), paths as far as they name relationships of `model`.
 * Cached results are shared: never mutate them.
 */
export function parseWith (meta: EntityMetadata, raw: string | undefined, model: RelationshipMetadata, depth = 1,
  scope = EntityScope.EVERY): Selection {
  if (raw === undefined || raw === '') return NO_RELATIONSHIPS
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH) {
    throw new BadRequestError(`depth must be an integer from 1 to ${MAX_DEPTH}`, [
      { path: '/depth', message: `must be 1 to ${MAX_DEPTH}` }
    ])
  }
  const key = `${servedName(meta)}\0${depth}\0${scope.cacheKey}\0${raw}`
  let selection = cache.get(key)
  if (selection === undefined) {
    selection = resolve(meta, raw, model, depth, scope)
    cache.set(key, selection)
  }
  return selection
}

/** A selection under construction: relationships by name, each with what to load beyond it. */
interface Draft {
  parents: Map<string, { rel: ParentRelationship, next: Draft }>
  children: Map<string, { rel: ChildRelationship, next: Draft }>
}

const draft = (): Draft => ({ parents: new Map(), children: new Map() })

function resolve (meta: EntityMetadata, raw: string, model: RelationshipMetadata, depth: number,
  scope: EntityScope): Selection {
  if (raw.length > MAX_WITH_LENGTH) throw new BadRequestError(`with is longer than ${MAX_WITH_LENGTH} characters`)
  const names = raw.split(',').map(n => n.trim()).filter(n => n !== '')
  if (depth > 1 && !names.includes('all')) {
    const example = examplePath(meta, model)
    const instead = example === undefined ? '' : ` (with=${example})`
    throw new BadRequestError(`depth extends with=all; name the path instead${instead}`,
      [{ path: '/depth', message: 'needs with=all' }])
  }
  if (names.length === 0) return NO_RELATIONSHIPS
  const root = draft()
  if (names.includes('all')) addAll(root, meta, model, depth, scope)
  const unknown: string[] = []
  for (const name of names.filter(n => n !== 'all')) {
    const reach = (entity: string) => scope.check(entity, `with path '${name}'`, '/with')
    if (!addPath(root, meta, name.split('.'), model, reach)) unknown.push(name)
  }
  if (unknown.length > 0) {
    const valid = validWithNames(meta)
    const example = examplePath(meta, model)
    const paths = example?.includes('.') === true ? `, and paths through them (${example})` : ''
    throw new BadRequestError(
      `unknown relationship ${unknown.map(n => `'${n}'`).join(', ')} in with; ` +
        `${meta.name} accepts ${valid.join(', ')}${paths}`,
      unknown.map(n => ({ path: '/with', message: `unknown relationship '${n}'` })))
  }
  return freeze(root)
}

/**
 * Every relationship whose entity the scope allows, `depth` hops: bounded, so self-references
 * and cycles end.
 */
function addAll (into: Draft, meta: EntityMetadata, model: RelationshipMetadata, depth: number,
  scope: EntityScope): void {
  for (const rel of meta.parents.filter(p => scope.allows(p.target))) {
    const next = edge(into.parents, rel.property, rel).next
    if (depth > 1) addAll(next, model.entity(rel.target), model, depth - 1, scope)
  }
  for (const rel of meta.children.filter(c => scope.allows(c.child))) {
    const next = edge(into.children, rel.key, rel).next
    if (depth > 1) addAll(next, model.entity(rel.child), model, depth - 1, scope)
  }
}

function edge<R> (map: Map<string, { rel: R, next: Draft }>, key: string, rel: R): { rel: R, next: Draft } {
  let found = map.get(key)
  if (found === undefined) map.set(key, found = { rel, next: draft() })
  return found
}

/**
 * Adds one path; false when a step names nothing.
 * `reach` is told each entity a step reaches, and throws for one outside the scope.
 */
function addPath (into: Draft, meta: EntityMetadata, steps: readonly string[], model: RelationshipMetadata,
  reach: (entity: string) => void): boolean {
  const { parent, children, rest } = firstStep(meta, steps)
  if (parent === undefined && children.length === 0) return false
  if (parent !== undefined) {
    reach(parent.target)
    const next = edge(into.parents, parent.property, parent).next
    return rest.length === 0 || addPath(next, model.entity(parent.target), rest, model, reach)
  }
  return children.every(function addChild (rel) {
    reach(rel.child)
    const next = edge(into.children, rel.key, rel).next
    return rest.length === 0 || addPath(next, model.entity(rel.child), rest, model, reach)
  })
}

function freeze (d: Draft): Selection {
  const nested: Record<string, Selection> = {}
  for (const [key, { next }] of [...d.parents, ...d.children]) {
    if (next.parents.size > 0 || next.children.size > 0) nested[key] = freeze(next)
  }
  return Object.freeze({
    parents: [...d.parents.values()].map(e => e.rel),
    children: [...d.children.values()].map(e => e.rel),
    ...(Object.keys(nested).length === 0 ? {} : { nested: Object.freeze(nested) })
  })
}
