// What a write body becomes before validation: documents with ids (assigned where missing)
// that no other document of the same write repeats.
import { monotonicFactory } from 'ulid'
import { BadRequestError } from '../errors.js'

const newId = monotonicFactory()

export function withId (item: unknown, path: string, fallback?: string): Record<string, unknown> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new BadRequestError(`expected a JSON object at ${path || '/'}`, [
      { path: path || '/', message: 'must be an object' }
    ])
  }
  const doc = item as Record<string, unknown>
  return doc.id === undefined ? { ...doc, id: fallback ?? newId() } : doc
}

export function assertUniqueIds (docs: Array<Record<string, unknown>>, where: (i: number) => string): void {
  const seen = new Map<unknown, number>()
  docs.forEach((doc, i) => {
    const first = seen.get(doc.id)
    if (first !== undefined) {
      throw new BadRequestError(`item ${i} repeats the id '${String(doc.id)}' of item ${first}`, [
        { path: `${where(i)}/id`, message: 'duplicate id in this write' }
      ])
    }
    seen.set(doc.id, i)
  })
}
