// Turns caller documents into what MongoDB stores and back. Every check that MongoDB could fail
// a write on is made here first, before anything is sent, so that a caller's mistake never
// leaves half a batch behind, with or without a transaction, and names its position.
import { BSON } from 'mongodb'
import { BadRequestError } from '../../errors.js'
import type { Doc } from '../store.js'
import type { Document } from './driver-surface.js'

/** MongoDB refuses documents nested deeper than this (the document itself is level 1). */
export const MAX_DEPTH = 100
/** MongoDB's largest document, in BSON bytes. */
export const MAX_BSON_SIZE = 16 * 1024 * 1024

function reject (index: number, path: string, message: string): never {
  throw new BadRequestError(`document ${index} cannot be stored: ${message}`, [{ path: `/${index}${path}`, message }])
}

/** In Unicode mode a surrogate pair is one code point: only a lone surrogate is in category Cs. */
const LONE_SURROGATE = /\p{Cs}/u

/** JSON Pointer escaping of one key. */
const pointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1')

/**
 * Checks what BSON cannot hold as given, anywhere in the document: a key with U+0000 (BSON keys
 * end at the first NUL; the driver refuses them) and a string or key with a lone surrogate (UTF-8
 * has none: the driver would store U+FFFD in its place, silently). Returns the nesting depth.
 */
function checkValue (value: unknown, index: number, path: string): number {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) reject(index, path, 'holds a lone UTF-16 surrogate, which MongoDB cannot store')
    return 0
  }
  if (typeof value !== 'object' || value === null) return 0
  let deepest = 0
  for (const [key, child] of Object.entries(value)) {
    const at = `${path}/${pointer(key)}`
    if (key.includes('\u0000')) reject(index, at, 'property names cannot contain U+0000 in MongoDB')
    if (LONE_SURROGATE.test(key)) reject(index, at, 'property name holds a lone UTF-16 surrogate')
    deepest = Math.max(deepest, checkValue(child, index, at))
  }
  return deepest + 1
}

export interface Prepared {
  /** The document as every store returns it: its JSON form. */
  doc: Doc
  id: string
  /** The fields stored next to `_id`. */
  fields: Document
}

export function prepareDoc (input: Doc, index: number): Prepared {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) reject(index, '', 'expected a JSON object')
  if (typeof input.id !== 'string') reject(index, '/id', 'id must be a string')
  let doc: Doc
  try {
    // the JSON form is what the other stores keep: undefined dropped, Dates as strings
    doc = JSON.parse(JSON.stringify(input)) as Doc
  } catch (error) {
    return reject(index, '', `not representable as JSON (${(error as Error).message})`)
  }
  const { id, ...fields } = doc
  for (const key of Object.keys(fields)) {
    if (key === '_id') reject(index, '/_id', "'_id' is reserved: the store keeps the id in it")
    if (key.startsWith('$')) reject(index, `/${key}`, 'top-level property names cannot start with $ in MongoDB')
  }
  if (checkValue(doc, index, '') > MAX_DEPTH) reject(index, '', `nested deeper than MongoDB's ${MAX_DEPTH} levels`)
  // the driver refuses a write statement (`{q, u, upsert}`) of 16 MiB or more, a few dozen bytes
  // more than the document stored: the statement is what is measured
  if (BSON.calculateObjectSize({ q: { _id: id }, u: fields, upsert: true }) >= MAX_BSON_SIZE) {
    reject(index, '', "larger than MongoDB's 16 MiB document limit")
  }
  return { doc, id, fields }
}

/** A stored document as callers see it: `_id` back to `id`, in front as on the way in. */
export function fromStored (stored: Document): Doc {
  const { _id, ...fields } = stored
  return { id: _id as string, ...fields }
}
