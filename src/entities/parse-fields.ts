// Parses `fields=id,total` (the entity's properties) and `fields[<relationship>]=name` (those of
// the documents a relationship reaches) into a FieldSelection aligned with the `with` selection.
// A relationship is named as in `with`: a parent property, a child entity, `Child.refProp`, or a
// dotted path through them, and must be one that `with` loads.
import { BadRequestError, ForbiddenError } from '../errors.js'
import type { FieldSelection } from '../graph/fields.js'
import type { Selection } from '../graph/graph.js'
import { MAX_WITH_LENGTH, parseWith } from '../graph/parse-with.js'
import { firstStep } from '../graph/selection.js'
import { EntityScope } from '../metadata/entity-scope.js'
import type { RelationshipMetadata } from '../metadata/relationship-metadata.js'
import type { EntityMetadata } from '../metadata/types.js'

/** Names of loaded relationships shown in an error, at most. */
const MAX_LISTED = 24

/** A field selection under construction. */
interface Draft {
  keep?: Set<string>
  relatives: Map<string, Draft>
}

/** A place in the selection that a `fields[...]` name reaches: the keys from the root, and its entity. */
interface Reached {
  keys: string[]
  entity: string
}

/**
 * `fields` (the entity's own) and `fieldsOf` (per relationship name, as `fields[<name>]`);
 * undefined when neither selects fields.
 */
export function parseFields (meta: EntityMetadata, fields: unknown, fieldsOf: Readonly<Record<string, unknown>>,
  selection: Selection, model: RelationshipMetadata, scope = EntityScope.EVERY): FieldSelection | undefined {
  const root: Draft = { relatives: new Map() }
  let any = false
  if (fields !== undefined) {
    root.keep = properties(meta, 'fields', fields)
    any = true
  }
  for (const [path, value] of Object.entries(fieldsOf)) {
    if (value === undefined) continue
    const name = `fields[${path}]`
    if (name.length > MAX_WITH_LENGTH) {
      throw new BadRequestError(`a fields[...] parameter name is longer than ${MAX_WITH_LENGTH} characters`, [
        { path: '/fields', message: 'name too long' }
      ])
    }
    for (const { keys, entity } of reach(meta, path, name, selection, model, scope)) {
      const draft = keys.reduce(function step (at, key) {
        let next = at.relatives.get(key)
        if (next === undefined) at.relatives.set(key, next = { relatives: new Map() })
        return next
      }, root)
      draft.keep = union(draft.keep, properties(model.entity(entity), name, value))
    }
    any = true
  }
  return any ? freeze(root) : undefined
}

/** The properties listed in one parameter, with `id`; each must be a visible property of the entity. */
function properties (meta: EntityMetadata, name: string, value: unknown): Set<string> {
  const path = `/${name}`
  if (typeof value !== 'string') {
    throw new BadRequestError(`${name} is given more than once; give one comma list`, [
      { path, message: 'must be one comma list' }
    ])
  }
  if (value.length > MAX_WITH_LENGTH) {
    throw new BadRequestError(`${name} is longer than ${MAX_WITH_LENGTH} characters`, [
      { path, message: `longer than ${MAX_WITH_LENGTH} characters` }
    ])
  }
  const names = value.split(',').map(n => n.trim()).filter(n => n !== '')
  if (names.length === 0) {
    throw new BadRequestError(
      `${name} is empty; list the ${meta.name} properties to keep: ${meta.properties.join(', ')}`,
      [{ path, message: 'lists no property' }]
    )
  }
  const unknown = names.filter(n => !meta.properties.includes(n))
  if (unknown.length > 0) {
    throw new BadRequestError(
      `unknown ${meta.name} propert${unknown.length === 1 ? 'y' : 'ies'} ${unknown.map(n => `'${n}'`).join(', ')} ` +
        `in ${name}; ${meta.name} has ${meta.properties.join(', ')}`,
      unknown.map(n => ({ path, message: `unknown property '${n}'` }))
    )
  }
  return new Set(['id', ...names])
}

function union (a: Set<string> | undefined, b: Set<string>): Set<string> {
  return a === undefined ? b : new Set([...a, ...b])
}

/**
 * Where in `selection` a relationship name leads; a name `with` does not load is a 400, or a 403
 * when it leads outside the scope (which `with=all` then left out).
 */
function reach (meta: EntityMetadata, path: string, name: string, selection: Selection, model: RelationshipMetadata,
  scope: EntityScope): Reached[] {
  const found = path === '' ? [] : walk(path.split('.'), selection, meta.name, [])
  if (found.length > 0) return found
  const loaded = loadedNames(selection)
  const listed =
    loaded.length === 0
      ? 'nothing'
      : `${loaded.slice(0, MAX_LISTED).join(', ')}${loaded.length > MAX_LISTED ? ', …' : ''}`
  if (isRelationship(meta, path, model, name, scope)) {
    throw new BadRequestError(
      `${name} names a relationship that with does not load; add ${path} to with (with loads ${listed})`,
      [{ path: `/${name}`, message: `add ${path} to with` }]
    )
  }
  throw new BadRequestError(`${name} names no relationship of ${meta.name} that with loads; with loads ${listed}`, [
    { path: `/${name}`, message: 'not a relationship loaded by with' }
  ])
}

function walk (steps: readonly string[], selection: Selection | undefined, entity: string, keys: string[]): Reached[] {
  if (steps.length === 0) return [{ keys, entity }]
  if (selection === undefined) return []
  // resolved among what `selection` loads, by the rule `with` resolves paths by
  const { parent, children, rest } = firstStep(selection, steps)
  if (parent !== undefined) {
    return walk(rest, selection.nested?.[parent.property], parent.target, [...keys, parent.property])
  }
  // through each reference of the child entity that the rest of the path goes on from
  return children.flatMap(c => walk(rest, selection.nested?.[c.key], c.child, [...keys, c.key]))
}

/** Whether `with` would accept the name: then the fix is to add it there. Throws when it leaves the scope. */
function isRelationship (meta: EntityMetadata, path: string, model: RelationshipMetadata, name: string,
  scope: EntityScope): boolean {
  if (path === '' || path === 'all' || path.includes(',')) return false
  try {
    parseWith(meta, path, model, 1, scope)
    return true
  } catch (err) {
    if (err instanceof BadRequestError) return false
    // the path leaves the scope: say so in the words of this parameter
    if (err instanceof ForbiddenError) scope.check(err.entity, name, `/${name}`)
    throw err
  }
}

/** The relationships `selection` loads, named as `with` and `fields[...]` name them. */
function loadedNames (selection: Selection | undefined, prefix = ''): string[] {
  if (selection === undefined) return []
  const names: string[] = []
  for (const rel of selection.parents) {
    names.push(prefix + rel.property, ...loadedNames(selection.nested?.[rel.property], `${prefix}${rel.property}.`))
  }
  for (const child of new Set(selection.children.map(c => c.child))) {
    const rels = selection.children.filter(c => c.child === child)
    names.push(prefix + child)
    for (const rel of rels) {
      if (rels.length > 1) names.push(prefix + rel.key)
      for (const below of loadedNames(selection.nested?.[rel.key])) {
        // `Child.step` would read as a reference of the child when one is so named: then `Child.refProp.step`
        const short = rels.length === 1 && !selection.children.some(c => c.key === `${child}.${below.split('.')[0]!}`)
        names.push(`${prefix}${short ? child : rel.key}.${below}`)
      }
    }
  }
  return names
}

function freeze (draft: Draft): FieldSelection {
  // keyed by relationship, looked up by metadata names: no prototype to answer for a missing key
  const relatives = Object.create(null) as Record<string, FieldSelection>
  for (const [key, next] of draft.relatives) relatives[key] = freeze(next)
  return Object.freeze({
    ...(draft.keep === undefined ? {} : { keep: draft.keep }),
    ...(draft.relatives.size === 0 ? {} : { relatives: Object.freeze(relatives) })
  })
}
