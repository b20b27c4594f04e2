// Tells "the server cannot be reached or cannot serve now" (network, no primary, shutdown,
// failover, a time limit, a transaction to retry) from programming errors, and turns the former
// into StoreUnavailableError, which the HTTP layer answers with 503 and Retry-After. Driver 7
// wraps network, selection and pool errors raised during a bulk write in a MongoBulkWriteError
// (a MongoServerError without a code) that keeps the original in `errorResponse`: every error
// is judged with the errors it wraps.
import {
  MongoClientClosedError, MongoError, MongoNetworkError, MongoNotConnectedError, MongoOperationTimeoutError,
  MongoServerClosedError, MongoServerSelectionError, MongoTopologyClosedError
} from 'mongodb'
import { StoreUnavailableError } from '../../errors.js'

const UNAVAILABLE_CLASSES = [MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError,
  MongoNotConnectedError, MongoClientClosedError, MongoServerClosedError, MongoOperationTimeoutError]

/** Driver errors the package does not export: a connection pool that is full or closed. */
const UNAVAILABLE_NAMES = new Set(['MongoWaitQueueTimeoutError', 'MongoPoolClosedError', 'MongoPoolClearedError'])

/** Server codes of the "not primary", "shutting down", "network", "time limit" and "cursor gone" families. */
const UNAVAILABLE_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  43, // CursorNotFound: killed by a failover or the 10-minute idle timeout
  50, // MaxTimeMSExpired: the server stopped a read at its time limit
  89, // NetworkTimeout
  91, // ShutdownInProgress
  133, // FailedToSatisfyReadPreference
  175, // QueryPlanKilled: a collection or index dropped under a running query, or a stepdown
  189, // PrimarySteppedDown
  202, // NetworkInterfaceExceededTimeLimit (mongos to a shard)
  237, // CursorKilled
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436 // NotPrimaryOrSecondary
])

const UNAVAILABLE_LABELS = ['TransientTransactionError', 'UnknownTransactionCommitResult', 'RetryableWriteError']

/** The error and those it wraps (a bulk write's `errorResponse`, any `cause`), outermost first. */
export function wrappedErrors (error: unknown): unknown[] {
  const chain: unknown[] = []
  for (let current = error; current !== undefined && current !== null && chain.length < 8;) {
    if (chain.includes(current)) break
    chain.push(current)
    const { errorResponse, cause } = current as { errorResponse?: unknown, cause?: unknown }
    current = errorResponse instanceof Error ? errorResponse : cause
  }
  return chain
}

function unavailable (error: unknown): boolean {
  if (UNAVAILABLE_CLASSES.some(type => error instanceof type)) return true
  if (!(error instanceof MongoError)) return false
  if (UNAVAILABLE_NAMES.has(error.name)) return true
  return UNAVAILABLE_CODES.has(Number(error.code)) || UNAVAILABLE_LABELS.some(label => error.hasErrorLabel(label))
}

/** Server codes of a time limit reached: MaxTimeMSExpired, NetworkInterfaceExceededTimeLimit, ExceededTimeLimit. */
const TIME_LIMIT_CODES = new Set([50, 202, 262])

function timedOut (error: unknown): boolean {
  return error instanceof MongoOperationTimeoutError ||
    (error instanceof MongoError && TIME_LIMIT_CODES.has(Number(error.code)))
}

export function isUnavailable (error: unknown): boolean {
  return wrappedErrors(error).some(unavailable)
}

/** Whether the whole transaction may be run again (`TransientTransactionError`), as withTransaction does. */
export function isTransient (error: unknown): boolean {
  return wrappedErrors(error).some(e => e instanceof MongoError && e.hasErrorLabel('TransientTransactionError'))
}

/** Whether a commit's outcome is unknown and the commit itself may be sent again. */
export function isUnknownCommit (error: unknown): boolean {
  return wrappedErrors(error).some(e => e instanceof MongoError && e.hasErrorLabel('UnknownTransactionCommitResult'))
}

/** Returns the error to throw for a failure of `what` (e.g. "find on 'book'"). */
export function storeError (error: unknown, what: string): unknown {
  if (!isUnavailable(error)) return error
  const inner = wrappedErrors(error).find(unavailable) as Error
  const reason = `${inner.name}: ${inner.message}`
  // the client is told which setting bounds the call, not the driver's text
  const detail = timedOut(inner)
    ? `mongodb store: ${what} did not finish within its time limit (STORE_TIMEOUT_MS)`
    : `mongodb store: ${what} failed`
  return new StoreUnavailableError(detail, { cause: error, reason })
}
