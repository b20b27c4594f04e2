// MongoDB compares strings by their UTF-8 bytes (code point order); mingo uses JavaScript's
// UTF-16 order, which puts U+FFFF after an emoji. These overrides of mingo's range operators
// and $sort give the stand-in MongoDB's order; they refuse what they do not implement. The
// aggregation comparisons ($expr) also differ: MongoDB compares across types in BSON order
// (null < numbers < strings < objects), where mingo's only compare values of one type.
import { Context, evalExpr } from 'mingo/core'
import { Lazy } from 'mingo/lazy'
import { $setWindowFields } from 'mingo/operators/pipeline'
import { compare, ensureArray, resolve, typeOf } from 'mingo/util'

function codePointCompare (a: string, b: string): number {
  if (a === b) return 0
  const x = [...a]
  const y = [...b]
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!
    if (d !== 0) return d
  }
  return x.length - y.length
}

/** MongoDB's order for the values the store sorts on: null, numbers, strings, objects. */
export function bsonCompare (a: unknown, b: unknown): number {
  if (Array.isArray(a) || Array.isArray(b)) {
    throw new Error('mongo stand-in: sorting by array values is not implemented')
  }
  if (typeof a === 'string' && typeof b === 'string') return codePointCompare(a, b)
  return compare(a, b)
}

type Test = (difference: number) => boolean

function rangeOperator (test: Test) {
  return function range (selector: string, value: unknown) {
    return function matches (doc: unknown): boolean {
      // like MongoDB: each element of an array field is tried, only within the operand's type
      const found = resolve(doc as Record<string, unknown>, selector, { unwrapArray: true })
      return ensureArray(found).some(v => typeOf(v) === typeOf(value) && test(bsonCompare(v, value)))
    }
  }
}

/** An aggregation comparison: both operands evaluated, then compared in BSON order across types. */
function expressionComparison (name: string, test: Test) {
  return function comparison (obj: unknown, expr: unknown, options: unknown): boolean {
    if (!Array.isArray(expr) || expr.length !== 2) throw new Error(`mongo stand-in: ${name} takes two operands`)
    const [a, b] = evalExpr(obj, expr, options as Parameters<typeof evalExpr>[2]) as [unknown, unknown]
    // MongoDB orders a missing value below null here, unlike in $sort: not modelled
    if (a === undefined || b === undefined) {
      throw new Error(`mongo stand-in: ${name} of a missing value is not implemented`)
    }
    return test(bsonCompare(a, b))
  }
}

function sortStage (collection: { collect: () => unknown[] }, spec: Record<string, 1 | -1>) {
  const keys = Object.entries(spec)
  if (keys.length === 0 || keys.some(([, direction]) => direction !== 1 && direction !== -1)) {
    throw new Error(`mongo stand-in: $sort ${JSON.stringify(spec)} is not implemented`)
  }
  const docs = collection.collect()
  docs.sort(function byKeys (a, b) {
    for (const [key, direction] of keys) {
      const d = bsonCompare(
        resolve(a as Record<string, unknown>, key) ?? null,
        resolve(b as Record<string, unknown>, key) ?? null
      )
      if (d !== 0) return d * direction
    }
    return 0
  })
  return Lazy(docs)
}

/** Numbers the documents in MongoDB's order, for mingo's window stage to sort by. */
const RANK = '__standInRank'

/**
 * `$setWindowFields` with MongoDB's order: mingo's own sorts its input by JavaScript order
 * (it calls its own $sort, not the one above), so the input is sorted here and numbered, and
 * mingo sorts by that number.
 */
function windowStage (collection: { collect: () => unknown[] }, expr: Record<string, unknown>, options: unknown) {
  if (expr.sortBy === undefined) return $setWindowFields(collection as never, expr as never, options as never)
  const sorted = sortStage(collection, expr.sortBy as Record<string, 1 | -1>).collect()
  const numbered = Lazy(sorted.map((doc, i) => ({ ...(doc as object), [RANK]: i })))
  const out = $setWindowFields(numbered as never, { ...expr, sortBy: { [RANK]: 1 } } as never, options as never)
  return out.map(function unnumber (doc) {
    const { [RANK]: _rank, ...rest } = doc as Record<string, unknown>
    return rest
  })
}

/** Operators that take precedence over mingo's own (a context keeps the first it is given). */
export const mongoOrderContext = Context.init({
  query: {
    $gt: rangeOperator(d => d > 0),
    $gte: rangeOperator(d => d >= 0),
    $lt: rangeOperator(d => d < 0),
    $lte: rangeOperator(d => d <= 0)
  },
  expression: {
    $eq: expressionComparison('$eq', d => d === 0),
    $gt: expressionComparison('$gt', d => d > 0),
    $gte: expressionComparison('$gte', d => d >= 0),
    $lt: expressionComparison('$lt', d => d < 0),
    $lte: expressionComparison('$lte', d => d <= 0)
  },
  pipeline: { $sort: sortStage, $setWindowFields: windowStage }
} as unknown as Parameters<typeof Context.init>[0])
