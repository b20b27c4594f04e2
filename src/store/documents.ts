// Turns caller documents into the JSON text a store keeps, rejecting what cannot be stored
// before anything is written, and naming the offending position in the batch. Shared by the
// adapters that keep documents as JSON text (memory, SQLite).
import { BadRequestError } from '../errors.js'
import type { Doc } from './store.js'

export function rejectDoc (index: number, path: string, message: string): never {
  throw new BadRequestError(`document ${index} cannot be stored: ${message}`, [{ path: `/${index}${path}`, message }])
}

export function serializeDoc (doc: Doc, index: number): string {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) rejectDoc(index, '', 'expected a JSON object')
  if (typeof doc.id !== 'string') rejectDoc(index, '/id', 'id must be a string')
  try {
    return JSON.stringify(doc)
  } catch (error) {
    // circular structures and BigInts have no JSON form
    return rejectDoc(index, '', `not representable as JSON (${(error as Error).message})`)
  }
}
