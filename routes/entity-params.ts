// Query-string and path schemas of the entity routes, described for OpenAPI and validated
// (with coercion of numbers) by Fastify before a handler runs.
import { Type } from 'typebox'
import { examplePath, MAX_WITH_LENGTH, validWithNames } from '../src/graph/parse-with.js'
import { MAX_DEPTH, reachableChildren } from '../src/graph/selection.js'
import { cursorOf } from '../src/entities/cursor.js'
import { DEFAULT_PAGE_SIZE, MAX_FILTER_LENGTH, MAX_PAGE_SIZE } from '../src/entities/query.js'
import { ID_RULE, ID_RULE_TEXT } from '../src/model/id-rule.js'
import type { RelationshipMetadata } from '../src/metadata/relationship-metadata.js'
import { indexNotes } from '../src/metadata/declared-indexes.js'
import { childRelationshipNames, type EntityMetadata } from '../src/metadata/types.js'
import { pageParam } from './paged-list.js'
import { totalParam } from './total-headers.js'

const idDescription = 'Id of the document: the one it was written with, or the ULID the server assigned'

/** The id in the path of reads, patches and deletes: an id no write can make is simply not found. */
export const IdParams = Type.Object({
  id: Type.String({
    minLength: ID_RULE.minLength,
    maxLength: ID_RULE.maxLength,
    description: `${idDescription}; ${ID_RULE_TEXT}`,
    examples: ['01JD0Z5Q7W3M2X8KQ4R6T9V1BC']
  })
})

/** The id in the path of a PUT, which may create the document: the whole id rule, checked by the write. */
export const WriteIdParams = Type.Object({
  id: Type.String({
    ...ID_RULE,
    description: `${idDescription}; ${ID_RULE_TEXT}`,
    examples: ['01JD0Z5Q7W3M2X8KQ4R6T9V1BC']
  })
})

const SCOPED_WITH = 'Under an API key limited to some entities, `all` and `depth` follow only the relationships ' +
  'to those entities, and naming one outside them is a 403.'

export function withParam (meta: EntityMetadata, model: RelationshipMetadata) {
  const names = validWithNames(meta)
  const example = examplePath(meta, model)
  const paths = example?.includes('.') === true ? ` (\`${example}\`)` : ''
  return Type.Optional(Type.String({
    maxLength: MAX_WITH_LENGTH,
    description: `Relationships to load with each ${meta.name}: \`all\` (one hop, or \`depth\` hops), or a comma ` +
      `list of ${names.slice(1).map(n => `\`${n}\``).join(', ') || '(none: this entity has no relationships)'}, ` +
      `each of which may go on as a dotted path through the entity it reaches${paths}; \`Child.refProp\` names one ` +
      'reference first. Parents are keyed by reference property, children by child entity and reference property; a ' +
      'document a path goes on through becomes a graph itself. Each level costs one round trip per relationship, ' +
      `whatever the number of documents. ${SCOPED_WITH}`,
    examples: ['all', ...(names.length > 1 ? [names[1]!] : [])]
  }))
}

/**
 * `depth`, and `limit[Child]`, `sort[Child]` and `count` for the child entities: how far and how much of a graph to
 * load.
 */
export function graphParams (meta: EntityMetadata, model: RelationshipMetadata) {
  const params: Record<string, ReturnType<typeof Type.Optional>> = {}
  params.depth = Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_DEPTH,
      description: `How many hops \`with=all\` follows, at most ${MAX_DEPTH} (default 1): every relationship of the ` +
        'documents reached, level by level; bounded, so self-references and cycles end. Only with `with=all`.',
      examples: [2]
    })
  )
  for (const [child, of] of reachableChildren(meta, model)) {
    const parents = [...of].join(' or ')
    const reached = meta.children.some(c => c.child === child)
      ? ''
      : ` (reached through a \`with\` path or \`depth\`, as children of ${parents})`
    params[`limit[${child}]`] = Type.Optional(Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      description: `At most this many ${child} children per ${parents} and relationship in ` +
        `each graph${reached}, at every level they are loaded (never more than the ` +
        'server\'s CHILD_LIMIT), chosen in the store in one round trip; `meta.children` ' +
        'gives how many exist and a `next` link to the rest (0 loads none, and ' +
        `links to all). Without effect when \`with\` does not load ${child}, so ` +
        'one set of limits fits every request. Lower limits also keep a request ' +
        'within the server\'s row budget (ROW_BUDGET; over it the answer is a 422 ' +
        'naming the limits that fit).',
      examples: [5]
    }))
    params[`sort[${child}]`] = Type.Optional(Type.String({
      maxLength: 512,
      description: `Order of each ${parents}'s ${child} children${reached}: a comma list of ` +
        `${child} properties, \`-\` for descending; id breaks ties (id order when ` +
        `omitted). With \`limit[${child}]\` it picks the top children of each. Without ` +
        `effect when \`with\` does not load ${child}.`,
      examples: ['-id']
    }))
  }
  if (meta.children.length > 0) {
    const names = childRelationshipNames(meta)
    params.count = Type.Optional(
      Type.String({
        maxLength: MAX_WITH_LENGTH,
        description: 'Child relationships to count without loading them, a comma list ' +
          `of ${names.map(n => `\`${n}\``).join(', ')}: each graph's \`meta.children\` gives \`total\` (and ` +
          `\`returned: 0\`). One grouped round trip per relationship, whatever the number of ${meta.name} documents.`,
        examples: [names[0]]
      })
    )
  }
  return params
}

/**
 * `fields` for the entity and `fields[<name>]` for each one-hop `with` name: parent properties,
 * child entities and `Child.refProp`. Deeper paths (`fields[customerId.regionId]`) are read by
 * name, like the path in `with`, and are not listed.
 */
export function fieldsParams (meta: EntityMetadata, model: RelationshipMetadata) {
  const list = (of: EntityMetadata) => of.properties.map(p => `\`${p}\``).join(', ')
  // plain properties make the clearest example: references are what `with` is for
  const example = (of: EntityMetadata) =>
    of.properties
      .filter(p => p !== 'id' && !of.refProperties.includes(p))
      .slice(0, 2)
      .join(',') || 'id'
  const after =
    'Trimmed after the graph is loaded, so `with` paths work whatever is kept; `id` is always kept, even when not ' +
      'listed, and the properties left out are absent even where the schema requires them. An empty list or an ' +
      'unknown property is a 400 that lists the properties.'
  const params: Record<string, ReturnType<typeof Type.Optional>> = {
    fields: Type.Optional(
      Type.String({
        maxLength: MAX_WITH_LENGTH,
        description: `Properties kept of each ${meta.name}, a comma list of ${list(meta)}; every property when ` +
          'omitted. In a graph this trims `entity`; relatives keep theirs unless `fields[<relationship>]` names ' +
          `them. ${after}`,
        examples: [example(meta)]
      })
    )
  }
  const related = (name: string, what: string, of: EntityMetadata) => {
    params[`fields[${name}]`] = Type.Optional(
      Type.String({
        maxLength: MAX_WITH_LENGTH,
        description: `Properties kept of ${what}, a comma list of ${list(of)}. Needs \`${name}\` (or a path through ` +
          'it) in `with`. Deeper relationships are accepted the same way, named as in `with` ' +
          `(\`fields[${name}.<relationship>]\`). ${after}`,
        examples: [example(of)]
      })
    )
  }
  for (const p of meta.parents) {
    related(p.property, `the ${p.target} that ${p.property} points at`, model.entity(p.target))
  }
  for (const child of new Set(meta.children.map(c => c.child))) {
    related(child, `each ${child} child (through every reference it has to ${meta.name})`, model.entity(child))
  }
  for (const c of meta.children) {
    related(c.key, `each ${c.child} whose ${c.property} is this ${meta.name}`, model.entity(c.child))
  }
  return params
}

/** `shape`: the nested graph (default) or the normalized form of list and single GET answers. */
export const shapeParam = Type.Optional(
  Type.Enum(['nested', 'normalized'], {
    description:
      '`nested` (default): each answer is a graph with its relatives inside. `normalized`: `{ data, included, links ' +
        '}`, the entities in `data` and each relative once in `included` by entity and id, however many entities ' +
        'share it.',
    examples: ['nested', 'normalized']
  })
)

/** Why parameters of the list do not apply to the stream and the single GET, for the 400 naming them. */
const WHOLE_STREAM = 'a stream answers every match in one body; resume it with after'
export const streamInapplicable = {
  page: WHOLE_STREAM,
  size: WHOLE_STREAM,
  shape: 'a stream has one document or graph per line',
  total: 'a stream sends no total; a list with size=1 counts the matches'
}
const ONE = 'GET /:id answers one document; the list takes it'
export const getInapplicable = { filter: ONE, sort: ONE, page: ONE, size: ONE, after: ONE, cursor: ONE, total: ONE }

/** A property of the entity's own, for examples: not the id, not a reference, when it has one. */
function plainProperty (meta: EntityMetadata): string {
  return meta.properties.find(p => p !== 'id' && !meta.refProperties.includes(p)) ?? 'id'
}

/** A filter that fits any entity: `$exists` takes every type. */
function plainFilterExample (meta: EntityMetadata): string {
  return JSON.stringify({ [plainProperty(meta)]: { $exists: true } })
}

/** `filter`, described with this entity's child relationships when it has any. */
function filterParam (meta: EntityMetadata) {
  const plain =
    'JSON filter, a MongoDB-like subset: {"field": value}, $eq $ne $gt $gte $lt $lte $in $nin $exists, $and $or; ' +
      'dotted paths reach nested properties. ' +
    indexNotes(meta.indexes).filter
  const child = meta.children[0]?.child
  if (child === undefined) {
    return Type.Optional(
      Type.String({ maxLength: MAX_FILTER_LENGTH, description: plain, examples: [plainFilterExample(meta)] })
    )
  }
  const names = childRelationshipNames(meta)
  return Type.Optional(
    Type.String({
      maxLength: MAX_FILTER_LENGTH,
      description: `${plain} Filter ${meta.name} by its children: a child relationship ` +
        `(${names.map(n => `\`${n}\``).join(', ')}) takes \`{"$some": filter}\` (at least one child matches) or ` +
        '`{"$none": filter}` (no child matches), the filter on the child entity and nestable; `{}` is any ' +
        `child. A child entity stands for each of its references to ${meta.name}, \`Child.refProp\` for one. Runs ` +
        'in the store, in the same round trip.',
      examples: [plainFilterExample(meta), `{"${child}":{"$some":{}}}`]
    })
  )
}

/** Longest cursor accepted: key values of a long string or composite sort key make long cursors. */
const MAX_CURSOR_LENGTH = 8192

function afterParam (meta: EntityMetadata) {
  return Type.Optional(
    Type.String({
      maxLength: MAX_CURSOR_LENGTH,
      description: 'A cursor (opaque, as a stream line with `cursor=true` or a list\'s `next` link gave it): ' +
        `continue strictly after the ${meta.name} it was taken at, in the order of \`sort\`, which must be the sort ` +
        'the cursor was made for. Documents written before that position since are not seen, those after it are; ' +
        '`filter` may differ. On the list, `page` must be left out (the total still counts every match).',
      // a real cursor of the default order (by id), so that trying the example works
      examples: [cursorOf(meta.name, undefined, { id: 'example-id' })]
    })
  )
}

export function readQuery (meta: EntityMetadata, model: RelationshipMetadata) {
  return Type.Object({
    filter: filterParam(meta),
    sort: Type.Optional(
      Type.String({
        maxLength: 512,
        description:
          'Comma list of properties or dotted paths into object properties (`address.city`), ' +
          '`-` for descending (`+` or nothing for ascending); id breaks ties. ' +
          `Properties: ${meta.properties.join(', ')}. ${indexNotes(meta.indexes).sort}`,
        examples: [`-${plainProperty(meta)},id`]
      })
    ),
    with: withParam(meta, model),
    ...graphParams(meta, model),
    ...fieldsParams(meta, model),
    after: afterParam(meta),
    cursor: Type.Optional(
      Type.Boolean({
        description:
          'With `true`, each line is `{"cursor": "…", "data": …}`: the document (or graph) in `data`, and in ' +
            '`cursor` where to resume the stream right after it (pass it as `after` with the same `sort`), e.g. ' +
            'when the connection broke.',
        examples: [true]
      })
    )
  })
}

export function listQuery (meta: EntityMetadata, model: RelationshipMetadata) {
  return Type.Object({
    ...readQuery(meta, model).properties,
    shape: shapeParam,
    total: totalParam,
    cursor: Type.Optional(
      Type.Boolean({
        description:
          'With `true` (implied by `after`), the `next` link (Link header, and `links.next` of `shape=normalized`) ' +
            'continues with `after=<cursor of the last item>` instead of `page`: stable while documents are ' +
            'written, and as fast on the last page as on the first.',
        examples: [true]
      })
    ),
    page: pageParam,
    size: Type.Integer({
      minimum: 1,
      maximum: MAX_PAGE_SIZE,
      default: DEFAULT_PAGE_SIZE,
      description: `Documents per page, at most ${MAX_PAGE_SIZE}`
    })
  })
}
