// The model as a Mermaid entity-relationship diagram: one box per entity with its properties
// (PK id, FK references, UK parts of unique keys) and one line per parent reference, labelled
// with the property, and with the parent's key when the reference holds one instead of the id
// (`x-parent-key`). Under an entity scope, only the entities inside it and the references between them.
import type { JsonSchema } from '../model/model.js'
import { EntityScope } from './entity-scope.js'
import { requiredOf } from './model-description.js'
import type { RelationshipMetadata } from './relationship-metadata.js'
import type { EntityMetadata } from './types.js'

export function erDiagram (metadata: RelationshipMetadata, scope = EntityScope.EVERY): string {
  const lines = ['erDiagram']
  const entities = metadata.all().filter(meta => scope.allows(meta.name))
  for (const meta of entities) {
    const required = new Set(requiredOf(meta))
    for (const p of meta.parents.filter(p => scope.allows(p.target))) {
      // Every child has exactly one parent per reference, or at most one when it may be absent.
      const childSide = required.has(p.property) && !nullable(propertySchema(meta, p.property)) ? '||' : '|o'
      const label = p.parentKey === 'id' ? p.property : `${p.property} → ${p.parentKey}`
      lines.push(`  ${p.target} ${childSide}--o{ ${meta.name} : "${label}"`)
    }
  }
  for (const meta of entities) lines.push(...entityBox(meta))
  return lines.join('\n') + '\n'
}

function entityBox (meta: EntityMetadata): string[] {
  const unique = new Set(meta.uniqueKeys.flat())
  const lines = [`  ${meta.name} {`]
  for (const property of meta.properties) {
    const parent = meta.parents.find(p => p.property === property)
    const keys = [property === 'id' ? 'PK' : '', parent === undefined ? '' : 'FK', unique.has(property) ? 'UK' : '']
      .filter(key => key !== '')
    const holds = parent === undefined || parent.parentKey === 'id' ? '' : ` "${parent.target}.${parent.parentKey}"`
    lines.push(`    ${typeName(propertySchema(meta, property))} ${property}${keys.length > 0 ? ' ' : ''}` +
      `${keys.join(', ')}${holds}`)
  }
  lines.push('  }')
  return lines
}

function propertySchema (meta: EntityMetadata, property: string): JsonSchema {
  const properties = (meta.schema.properties ?? {}) as Record<string, JsonSchema>
  return properties[property] ?? {}
}

function nullable (schema: JsonSchema): boolean {
  return variants(schema).some(s => s.type === 'null')
}

/** `string`, `number`, … of the first non-null variant; `any` when the schema does not say. */
function typeName (schema: JsonSchema): string {
  const types = variants(schema).map(s => s.type).filter(t => t !== 'null')
  return typeof types[0] === 'string' ? types[0] : 'any'
}

function variants (schema: JsonSchema): JsonSchema[] {
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined
  if (union !== undefined) return union.flatMap(variants)
  if (Array.isArray(schema.type)) return schema.type.map(type => ({ type }))
  return [schema]
}
