// JSON Schemas for the HTTP contract, derived from the model's metadata: each entity, its write
// body and its relationship graph become shared schemas (OpenAPI components) by $id.
import { Type } from 'typebox'
import type { RelationshipMetadata } from '../src/metadata/relationship-metadata.js'
import type { EntityMetadata } from '../src/metadata/types.js'

export const ref = (id: string) => ({ $ref: `${id}#` })

export const ProblemSchema = Type.Object({
  type: Type.String({ description: 'URI naming the kind of problem' }),
  title: Type.String({ description: 'Short summary of the kind of problem' }),
  status: Type.Integer({ description: 'HTTP status code' }),
  detail: Type.String({ description: 'What went wrong with this request and how to fix it' }),
  instance: Type.Optional(Type.String({ description: 'Path of the request' })),
  requestId: Type.Optional(Type.String({ description: 'Id of the request, as logged by the server' })),
  errors: Type.Optional(Type.Array(Type.Object({
    path: Type.String({ description: 'JSON pointer to the offending input' }),
    message: Type.String({ description: 'What is wrong there' })
  }), { description: 'Each invalid input, where there are several' }))
}, { $id: 'Problem', description: 'An error, as RFC 9457 problem details' })

export const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } }
})

const MissingRefSchema = Type.Object({
  property: Type.String({ description: 'Reference property of the document' }),
  target: Type.String({ description: 'Entity it points at' }),
  id: Type.Optional(Type.String({
    description: 'The id that does not exist; for a source id no link names yet, the id its document will be ' +
      'assigned. Absent for a reference through a parent key (then key and value say what it waits for)'
  })),
  key: Type.Optional(Type.String({ description: 'The parent\'s unique key the reference holds (x-parent-key)' })),
  value: Type.Optional(Type.String({ description: 'The key value that no parent holds' })),
  source: Type.Optional(Type.String({ description: 'The source system whose id the reference carried (?source=)' })),
  sourceId: Type.Optional(Type.String({ description: 'The source id no link named yet; resolved again on healing' }))
}, { description: 'A reference that points at nothing' })

/** A child page report of the model being served, for the example: its first child relationship. */
function graphMetaExample (metadata: RelationshipMetadata): Record<string, unknown>[] {
  const all = metadata.all().flatMap(meta => meta.children)
  const rel = all.find(c => c.child !== c.entity) ?? all[0]
  if (rel === undefined) return []
  const filter = encodeURIComponent(JSON.stringify({ [rel.property]: 'parent-1' }))
  const next = `/api/${metadata.entity(rel.child).route}?filter=${filter}&size=5&page=2`
  return [{ children: { [rel.key]: { total: 163, returned: 5, next } } }]
}

export function graphMetaSchema (metadata: RelationshipMetadata) {
  return Type.Object(
    {
      children: Type.Record(
        Type.String(),
        Type.Object(
          {
            total: Type.Integer({ description: 'How many children exist' }),
            returned: Type.Integer({ description: 'How many are in this graph' }),
            next: Type.Optional(
              Type.String({
                description:
                  'The child list filtered by this parent, at the page after the children returned; present when ' +
                    'more remain'
              })
            )
          },
          { description: 'The page of one child list' }
        ),
        { description: 'One entry per selected child relationship, keyed `Child.refProp`' }
      )
    },
    {
      $id: 'GraphMeta',
      description:
        'Present when children were selected: for every child list, how many exist and whether more remain (a cut ' +
          'list is never silent)',
      ...(graphMetaExample(metadata).length === 0 ? {} : { examples: graphMetaExample(metadata) })
    }
  )
}

/** A line of an entity's NDJSON stream with `cursor=true`. */
export function cursorLineSchema (meta: EntityMetadata): Record<string, unknown> {
  return {
    $id: `${meta.name}CursorLine`,
    type: 'object',
    description: `A ${meta.name} (or its graph) with the cursor that resumes the stream right after it`,
    required: ['cursor', 'data'],
    properties: {
      cursor: {
        type: 'string',
        description: 'Opaque; pass it as `after` (with the same `sort`) to continue after this line'
      },
      data: {
        anyOf: [...readDocument(meta.name).anyOf, ref(`${meta.name}Graph`)],
        description: `The ${meta.name}, or its graph when \`with\` is given`
      }
    },
    additionalProperties: false
  }
}

/** A write's 202 answer: some documents were parked until their parents arrive. */
export function writeAccepted (meta: EntityMetadata): Record<string, unknown> {
  return {
    description: `Some ${meta.name} documents referenced missing parents through relationships with ` +
      `x-on-missing-parent: park; they were parked (see /api/_parked/${meta.route}) and are stored once the parents ` +
      'exist. The others were stored.',
    type: 'object',
    required: ['stored', 'parked'],
    properties: {
      stored: { type: 'array', items: ref(meta.name), description: 'What was stored' },
      parked: {
        type: 'array',
        description: 'What was parked, with the missing references',
        items: Type.Object({
          index: Type.Integer({ description: 'Position in the write (0 for a single document)' }),
          id: Type.String({ description: 'Id of the parked document' }),
          missing: Type.Array(MissingRefSchema, { description: 'The references that point at nothing' })
        })
      }
    }
  }
}

/** A parked record as GET /api/_parked/<route> lists it. */
export function parkedRecordSchema (meta: EntityMetadata): Record<string, unknown> {
  return Type.Object({
    id: Type.String({ description: 'Id of the parked document' }),
    doc: ref(meta.name) as never,
    missing: Type.Array(MissingRefSchema, { description: 'The references that pointed at nothing when it was parked' }),
    parkedAt: Type.String({ description: 'When it was (last) parked, ISO 8601' })
  }, { description: `A parked ${meta.name}` }) as unknown as Record<string, unknown>
}

/** How a reference names its parent, when not by id (`x-parent-key`). */
function byKey (parentKey: string): string {
  return parentKey === 'id' ? '' : ` by its ${parentKey}`
}

export function graphSchema (meta: EntityMetadata): Record<string, unknown> {
  const parents: Record<string, unknown> = {}
  for (const p of meta.parents) {
    parents[p.property] = {
      anyOf: [ref(`${p.target}Graph`), ...readDocument(p.target).anyOf, { type: 'null' }],
      description: `The ${p.target} that ${p.property} points at${byKey(p.parentKey)} (its ${p.target}Graph when a ` +
        '`with` path goes on through it), or null when it is null or dangling'
    }
  }
  const children: Record<string, Record<string, unknown>> = {}
  for (const c of meta.children) {
    const edges = (children[c.child] ??= {
      type: 'object',
      properties: {},
      additionalProperties: false,
      description: `${c.child} documents that reference this ${meta.name}, by reference property`
    })
    ;(edges.properties as Record<string, unknown>)[c.property] = {
      type: 'array',
      items: { anyOf: [ref(`${c.child}Graph`), ...readDocument(c.child).anyOf] },
      description: `${c.child} documents whose ${c.property} is this ${meta.name}'s ${c.parentKey} ` +
        `(${c.child}Graphs when a \`with\` path goes on through them)`
    }
  }
  return {
    $id: `${meta.name}Graph`,
    type: 'object',
    description: `A ${meta.name} with the relationships selected by ?with=`,
    required: ['entity', 'parents', 'children'],
    properties: {
      entity: readDocument(meta.name),
      parents: {
        type: 'object',
        properties: parents,
        additionalProperties: false,
        description: 'Selected parents, by reference property'
      },
      children: {
        type: 'object',
        properties: children,
        additionalProperties: false,
        description: 'Selected children, by child entity and reference property'
      },
      meta: ref('GraphMeta')
    }
  }
}

/** The `shape=normalized` answer of an entity's list and single GET. */
export function normalizedSchema (meta: EntityMetadata, all: readonly EntityMetadata[]): Record<string, unknown> {
  const included: Record<string, unknown> = {}
  for (const other of all) {
    included[other.name] = {
      type: 'object',
      additionalProperties: readDocument(other.name),
      description: `${other.name} relatives by id`
    }
  }
  return {
    $id: `${meta.name}Normalized`,
    type: 'object',
    description: `${meta.name} documents with their relatives (?with=) normalized: each relative appears once in ` +
      '`included`',
    required: ['data', 'included', 'meta', 'links'],
    properties: {
      data: {
        type: 'array',
        items: readDocument(meta.name),
        description: `The ${meta.name} documents (one for a single GET)`
      },
      included: {
        type: 'object',
        properties: included,
        additionalProperties: false,
        description: 'Every parent and child loaded, at any depth, by entity and id'
      },
      meta: {
        type: 'object',
        additionalProperties: ref('GraphMeta'),
        description: `${meta.name} id → its child page report, for each one whose children were selected or ` +
          'counted; `{}` when none was'
      },
      links: {
        type: 'object',
        required: ['self'],
        properties: {
          self: { type: 'string', description: 'This request' },
          next: { type: 'string', description: 'The next page of a list, when there is one' },
          prev: { type: 'string', description: 'The previous page of a list, when there is one' }
        },
        description: 'Where this answer and its neighbouring pages are'
      }
    }
  }
}

/**
 * A document as a read answers it: whole, or trimmed by `fields` (`<Entity>Partial`, where only `id`
 * is sure to be present), so that generated types never promise a property a trimmed answer lacks.
 */
export function readDocument (entity: string) {
  return { anyOf: [ref(entity), ref(`${entity}Partial`)] }
}

/** `<Entity>Partial`: the visible document with every property but `id` optional. */
function partialSchema (meta: EntityMetadata): Record<string, unknown> {
  return {
    ...visibleSchema(meta),
    required: ['id'],
    $id: `${meta.name}Partial`,
    title: `${meta.name}Partial`,
    description: `A ${meta.name} trimmed by \`fields\`: \`id\` and the properties listed`
  }
}

/**
 * `<Entity>Patch`: a JSON merge patch (RFC 7396) of the document: every property optional, `null`
 * removes one; an object property is merged, so any part of it may be sent; `id`, if sent, must be
 * the document's own.
 */
function patchSchema (meta: EntityMetadata): Record<string, unknown> {
  const input = meta.inputSchema as { properties?: Record<string, Record<string, unknown>>, [key: string]: unknown }
  const properties: Record<string, unknown> = {}
  for (const [name, schema] of Object.entries(input.properties ?? {})) {
    const description = schema.description
    const value = schema.type === 'object' ? { type: 'object', description: 'Merged into the property' } : schema
    properties[name] = name === 'id'
      ? schema
      : { anyOf: [value, { type: 'null' }], ...(description === undefined ? {} : { description }) }
  }
  const { required: _required, $id: _id, title: _title, ...rest } = input
  return {
    ...rest,
    properties,
    $id: `${meta.name}Patch`,
    title: `${meta.name}Patch`,
    description: `A merge patch of a ${meta.name}: the properties to change, null to remove one`
  }
}

/** The document as responses show it: hidden (x-internal, writeOnly) properties left out. */
function visibleSchema (meta: EntityMetadata): Record<string, unknown> {
  if (meta.hidden.length === 0) return meta.schema
  const properties = { ...(meta.schema.properties as Record<string, unknown>) }
  for (const name of meta.hidden) delete properties[name]
  const required = (meta.schema.required as string[]).filter(name => !meta.hidden.includes(name))
  return { ...meta.schema, properties, required }
}

/** Every shared schema of the model, in an order where references resolve. */
export function modelSchemas (metadata: RelationshipMetadata): Array<Record<string, unknown>> {
  const schemas = [ProblemSchema, graphMetaSchema(metadata)] as unknown as Array<Record<string, unknown>>
  for (const meta of metadata.all()) {
    schemas.push({ ...visibleSchema(meta), $id: meta.name, title: meta.name })
    schemas.push(partialSchema(meta))
    schemas.push({
      ...meta.inputSchema,
      $id: `${meta.name}Input`,
      title: `${meta.name}Input`,
      description: `A ${meta.name} to write; the server assigns an id when it is omitted`
    })
    schemas.push(patchSchema(meta))
  }
  for (const meta of metadata.all()) schemas.push(graphSchema(meta))
  for (const meta of metadata.all()) schemas.push(cursorLineSchema(meta))
  for (const meta of metadata.all()) schemas.push(normalizedSchema(meta, metadata.all()))
  return schemas
}
