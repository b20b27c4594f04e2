// `$lookup` for the MongoDB stand-in, in the one form the store sends: MongoDB 5's concise
// correlated join (`from`, `localField`, `foreignField`, `pipeline`, `as`). mingo 7.2.7's own
// $lookup runs such a pipeline over the whole foreign collection instead of the joined
// documents, so the stand-in joins by itself, with MongoDB's equality: a foreign document joins
// when its field equals the local value (or one of its elements) or is an array holding it, a
// missing field counting as null on either side. The uncorrelated form
// (`from`, `pipeline`, `as`: a semi-join's) runs its pipeline once over the whole foreign
// collection, as MongoDB does, and gives each document the same result. Anything else is refused.
import type { Document } from 'mongodb'
import { Aggregator } from 'mingo/aggregator'
import type { Iterator } from 'mingo/lazy'
import type { Options } from 'mingo/types'

const FORM = ['from', 'localField', 'foreignField', 'pipeline', 'as']
const UNCORRELATED = ['from', 'pipeline', 'as']

function refuse (what: string): never {
  throw new Error(`mongo stand-in: ${what} is not implemented`)
}

/** The value at a dotted path, read through plain objects; undefined when absent. */
function read (doc: Document, path: string): unknown {
  let value: unknown = doc
  for (const segment of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    value = (value as Document)[segment]
  }
  return value
}

function isForm (keys: string[], form: string[]): boolean {
  return keys.length === form.length && form.every(key => keys.includes(key))
}

/** Whether the lookup is the uncorrelated form; throws on a form the store never sends. */
function checkForm (expr: Document): boolean {
  const keys = Object.keys(expr)
  const uncorrelated = isForm(keys, UNCORRELATED)
  if (!uncorrelated && !isForm(keys, FORM)) {
    refuse(`$lookup with ${keys.join(', ')} (only ${FORM.join(', ')}, or ${UNCORRELATED.join(', ')})`)
  }
  if (typeof expr.from !== 'string' || typeof expr.as !== 'string' || expr.as.includes('.')) {
    refuse('$lookup from or as other than a collection and a field name')
  }
  if (!uncorrelated && (typeof expr.localField !== 'string' || typeof expr.foreignField !== 'string')) {
    refuse('$lookup fields other than paths')
  }
  if (!Array.isArray(expr.pipeline)) refuse('$lookup without a pipeline array')
  return uncorrelated
}

/**
 * How MongoDB's $lookup equality sees a value: null and missing alike (a missing local or foreign
 * field is taken for null), other scalars by type and value ("7" is not 7); undefined for values
 * the store never joins on (objects), which the stand-in refuses rather than guess.
 */
function joinKey (value: unknown): string | undefined {
  if (value === undefined || value === null) return 'null'
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return `${typeof value}:${String(value)}`
  }
  return undefined
}

/** The keys a field's value joins by: the value's, or each element's when it is an array. */
function joinKeys (value: unknown): string[] {
  const keys: string[] = []
  for (const element of Array.isArray(value) ? value : [value]) {
    const key = joinKey(element)
    if (key !== undefined) keys.push(key)
  }
  return keys
}

/** Foreign documents by the join keys of `field` (joinKeys). */
function byValue (documents: readonly Document[], field: string): Map<string, Document[]> {
  const index = new Map<string, Document[]>()
  for (const doc of documents) {
    for (const key of new Set(joinKeys(read(doc, field)))) {
      const joined = index.get(key) ?? []
      if (joined.length === 0) index.set(key, joined)
      joined.push(doc)
    }
  }
  return index
}

export function $lookup (collection: Iterator, expr: Document, options: Options): Iterator {
  const uncorrelated = checkForm(expr)
  const resolve = options.collectionResolver ?? refuse('$lookup without the collections')
  let index: Map<string, Document[]> | undefined
  const pipeline = new Aggregator(expr.pipeline as Document[], options)
  if (uncorrelated) {
    let result: Document[] | undefined
    return collection.map(function joinAll (doc) {
      result ??= pipeline.run(resolve(expr.from as string) as Document[]) as Document[]
      return { ...(doc as Document), [expr.as as string]: result }
    })
  }
  return collection.map(function join (doc) {
    const local = read(doc as Document, expr.localField as string)
    // MongoDB joins a local array by its elements, and a missing local value as null
    if (typeof local === 'object' && local !== null && !Array.isArray(local)) refuse('$lookup on an object')
    index ??= byValue(resolve(expr.from as string) as Document[], expr.foreignField as string)
    const joined = new Set<Document>()
    for (const key of joinKeys(local)) for (const foreign of index.get(key) ?? []) joined.add(foreign)
    return { ...(doc as Document), [expr.as as string]: pipeline.run([...joined]) }
  })
}
