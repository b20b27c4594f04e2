// Tells store faults (server down or restarting, connection lost, pool exhausted, statement
// timeout, resources) from programming errors, and turns the faults into StoreUnavailableError
// with a message naming the failed operation but never SQL text. Errors without a SQLSTATE
// come from the driver's connection (refused, reset, terminated, no connection in time).
import pg from 'pg'
import { StoreUnavailableError } from '../../errors.js'

/**
 * SQLSTATE classes of faults: connection (08), resources (53), operator intervention (57:
 * shutdown, cancel, statement timeout), system (58).
 */
const UNAVAILABLE_CLASSES = ['08', '53', '57', '58']
/** Single states that a retry can clear: serialization failure, deadlock, read-only standby. */
const UNAVAILABLE_STATES = ['40001', '40P01', '25006']

export function isUnavailable (error: unknown): boolean {
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? ''
    return UNAVAILABLE_CLASSES.includes(code.slice(0, 2)) || UNAVAILABLE_STATES.includes(code)
  }
  // the driver's own connection errors: plain Errors (or Node's system errors), no SQLSTATE
  return error instanceof Error && !(error instanceof TypeError) && !(error instanceof RangeError)
}

/** A one-line reason: AggregateError (every address refused) has no message of its own. */
export function reason (error: unknown): string {
  if (error instanceof AggregateError && error.message === '') return reason(error.errors[0])
  if (!(error instanceof Error)) return String(error)
  const code = (error as { code?: unknown }).code
  const text = error.message.split('\n')[0]!
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text
}

/**
 * Failures that came out of the driver: only those can be store faults, since a plain Error of
 * the driver's (a lost connection) looks like a programming error of ours (a bad property path).
 */
const driverFailures = new WeakSet<object>()

/** Awaits a driver call, marking its failure as the driver's. */
export async function fromDriver<T> (call: Promise<T>): Promise<T> {
  try {
    return await call
  } catch (error) {
    if (typeof error === 'object' && error !== null) driverFailures.add(error)
    throw error
  }
}

/** Returns the error to throw for a failure of `what` (e.g. "find on 'book'"). */
export function storeError (error: unknown, what: string): unknown {
  if (typeof error !== 'object' || error === null || !driverFailures.has(error) || !isUnavailable(error)) return error
  return new StoreUnavailableError(`postgres store: ${what} failed`, { cause: error, reason: reason(error) })
}
