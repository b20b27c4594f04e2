// The relationship metadata service: derives each entity's parents and children (by reverse
// lookup over the whole model) once, validates the model while doing so, and serves the
// result from frozen maps. The model cannot change while the process runs, so a plain frozen
// map is the right cache: every lookup hits, nothing needs evicting.
import { ModelError } from '../errors.js'
import { parsePolicy } from '../integrity/policy.js'
import type { JsonSchema, ModelDefinition } from '../model/model.js'
import { ID_RULE_TEXT, withIdRule } from '../model/id-rule.js'
import { defaultRoute } from '../model/routes.js'
import { declaredIndexes } from './declared-indexes.js'
import { declaredSources } from './declared-sources.js'
import { hiddenProperties } from './hidden-properties.js'
import { declaredUniqueKeys } from './unique-keys.js'
import { IDENTIFIER, ROUTE_SEGMENT, isStringLike } from './schema-checks.js'
import type { ChildRelationship, EntityMetadata, ParentRelationship } from './types.js'

const ID_SCHEMA = Object.freeze({
  type: 'string',
  description: `Unique id of the document: ${ID_RULE_TEXT}; a ULID is assigned when a write omits it.`
})

export class RelationshipMetadata {
  readonly #entities: ReadonlyMap<string, EntityMetadata>
  readonly #byRoute: ReadonlyMap<string, EntityMetadata>

  constructor (model: ModelDefinition) {
    this.#entities = buildEntities(model)
    this.#byRoute = new Map([...this.#entities.values()].map(e => [e.route, e]))
  }

  get names (): string[] {
    return [...this.#entities.keys()]
  }

  all (): EntityMetadata[] {
    return [...this.#entities.values()]
  }

  has (name: string): boolean {
    return this.#entities.has(name)
  }

  entity (name: string): EntityMetadata {
    const meta = this.#entities.get(name)
    if (meta === undefined) {
      throw new ModelError(`unknown entity '${name}'; the model has ${this.names.join(', ')}`)
    }
    return meta
  }

  byRoute (route: string): EntityMetadata | undefined {
    return this.#byRoute.get(route)
  }
}

function buildEntities (model: ModelDefinition): Map<string, EntityMetadata> {
  const names = Object.keys(model.entities)
  if (names.length === 0) throw new ModelError('the model declares no entities')
  const parentsOf = new Map<string, ParentRelationship[]>()
  const childrenOf = new Map<string, ChildRelationship[]>(names.map(n => [n, []]))
  const routes = new Map<string, string>()
  const routeOf = new Map<string, string>()

  for (const name of names) {
    if (!IDENTIFIER.test(name)) {
      throw new ModelError(`entity name '${name}' must be an identifier: a letter or _, then letters, digits and _`)
    }
    const def = model.entities[name]!
    const route = def.route ?? defaultRoute(name)
    if (!ROUTE_SEGMENT.test(route)) {
      throw new ModelError(`entity '${name}' has route '${route}', which is not a usable path segment: ` +
        'a route starts with a lowercase letter or digit and goes on with lowercase letters, digits, - and _ ' +
        '(routes starting with _ are the server\'s own, like /api/_model)')
    }
    const clash = routes.get(route)
    if (clash !== undefined) {
      throw new ModelError(`entities '${clash}' and '${name}' both use route '${route}'; give one a distinct "route"`)
    }
    routes.set(route, name)
    routeOf.set(name, route)
    parentsOf.set(name, parentRelationships(name, def.schema as JsonSchema, names))
  }

  for (const [name, parents] of parentsOf) {
    if (parents.some(p => p.onMissingParent === 'park') && names.includes(`Parked_${name}`)) {
      throw new ModelError(
        `entity 'Parked_${name}' has the name that holds the parked records of '${name}' (x-on-missing-parent: ` +
          'park); rename it'
      )
    }
    for (const p of parents) {
      checkParentKey(p, model.entities[p.target]!.schema as JsonSchema)
      childrenOf
        .get(p.target)!
        .push(
          Object.freeze({
            entity: p.target,
            child: p.entity,
            property: p.property,
            parentKey: p.parentKey,
            key: `${p.entity}.${p.property}`
          })
        )
    }
  }

  const entities = new Map<string, EntityMetadata>()
  for (const name of names) {
    const parents = parentsOf.get(name)!
    const children = childrenOf.get(name)!
    assertNoNameClash(name, Object.keys((model.entities[name]!.schema as JsonSchema).properties as object), children)
    const { schema, inputSchema } = withIdProperty(name, model.entities[name]!.schema as JsonSchema)
    const hidden = hiddenProperties(name, schema.properties as Record<string, JsonSchema>, parents.map(p => p.property))
    const properties = Object.keys(schema.properties as object).filter(p => !hidden.includes(p))
    entities.set(name, Object.freeze({
      name,
      route: routeOf.get(name)!,
      schema,
      inputSchema,
      parents: Object.freeze(parents),
      children: Object.freeze(children),
      refProperties: Object.freeze(parents.map(p => p.property)),
      properties: Object.freeze(properties),
      hidden: Object.freeze(hidden),
      indexes: declaredIndexes(name, schema, properties),
      sources: declaredSources(name, schema),
      uniqueKeys: declaredUniqueKeys(name, schema)
    }))
  }
  return entities
}

function parentRelationships (name: string, schema: JsonSchema, names: string[]): ParentRelationship[] {
  if (schema.type !== 'object' || typeof schema.properties !== 'object' || schema.properties === null) {
    throw new ModelError(`entity '${name}': schema must be an object schema with "properties"`)
  }
  const parents: ParentRelationship[] = []
  for (const [property, propSchema] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
    const onMissingParent = parsePolicy(name, property, propSchema)
    const target = propSchema['x-parent']
    const declaredKey = propSchema['x-parent-key']
    if (target === undefined) {
      if (declaredKey === undefined) continue
      throw new ModelError(`entity '${name}' property '${property}' declares "x-parent-key" but no "x-parent"; ` +
        'name the parent entity too')
    }
    if (declaredKey !== undefined && (typeof declaredKey !== 'string' || declaredKey === '')) {
      throw new ModelError(`entity '${name}' property '${property}': "x-parent-key" must name a unique property ` +
        `of '${String(target)}', e.g. "sku"`)
    }
    if (typeof target !== 'string' || !names.includes(target)) {
      throw new ModelError(
        `entity '${name}' property '${property}' references unknown entity '${String(target)}'; the model ` +
          `has ${names.join(', ')}`
      )
    }
    if (!IDENTIFIER.test(property)) {
      throw new ModelError(`entity '${name}' property '${property}': a reference property name must be an ` +
        'identifier: a letter or _, then letters, digits and _')
    }
    if (property === 'id') throw new ModelError(`entity '${name}': 'id' cannot reference another entity`)
    if (!isStringLike(propSchema)) {
      throw new ModelError(
        `entity '${name}' property '${property}' references '${target}' but is not a string ` +
          `(type ${JSON.stringify(propSchema.type ?? propSchema.anyOf ?? 'unspecified')}); ids are strings`
      )
    }
    const parentKey = (declaredKey as string | undefined) ?? 'id'
    parents.push(Object.freeze({ entity: name, property, target, parentKey, onMissingParent }))
  }
  return parents
}

/**
 * A reference through `x-parent-key` joins on the parent's key exactly as on its id, so the key
 * must identify one parent (a single-property unique key) and hold the same kind of value.
 */
function checkParentKey (p: ParentRelationship, parentSchema: JsonSchema): void {
  if (p.parentKey === 'id') return
  const where = `entity '${p.entity}' property '${p.property}' has "x-parent-key"`
  const keys = declaredUniqueKeys(p.target, parentSchema)
  if (!keys.some(key => key.length === 1 && key[0] === p.parentKey)) {
    const single = keys.filter(key => key.length === 1).map(key => key[0])
    throw new ModelError(`${where} '${p.parentKey}', which is not a unique property of '${p.target}' ` +
      `(declare it with "x-unique": true); its unique properties: ${single.length > 0 ? single.join(', ') : 'none'}`)
  }
  const keySchema = (parentSchema.properties as Record<string, JsonSchema>)[p.parentKey]!
  if (!isStringLike(keySchema)) {
    throw new ModelError(`${where} '${p.parentKey}', but '${p.target}.${p.parentKey}' is not a string; ` +
      'a reference holds a string, so only string keys can be referenced')
  }
}

/** `with` and `filter` accept properties and child entity names side by side, so they must differ. */
function assertNoNameClash (name: string, properties: readonly string[], children: ChildRelationship[]): void {
  for (const c of children) {
    if (properties.includes(c.child)) {
      throw new ModelError(
        `entity '${name}': property '${c.child}' has the same name as its child entity '${c.child}', which makes ` +
          '?with= and ?filter= ambiguous; rename the property'
      )
    }
  }
}

function withIdProperty (name: string, schema: JsonSchema): { schema: JsonSchema, inputSchema: JsonSchema } {
  const properties = schema.properties as Record<string, JsonSchema>
  const declared = properties.id
  if (declared !== undefined && !isStringLike(declared)) {
    throw new ModelError(`entity '${name}' property 'id' must be a string`)
  }
  const required = Array.isArray(schema.required) ? (schema.required as string[]).filter(r => r !== 'id') : []
  // id first, with the id rule whatever the model declares
  const id = withIdRule(declared ?? ID_SCHEMA)
  const props = { id, ...properties }
  props.id = id
  return {
    schema: Object.freeze({ ...schema, properties: props, required: ['id', ...required] }),
    inputSchema: Object.freeze({ ...schema, properties: props, required })
  }
}
