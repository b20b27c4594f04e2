// Tells "the server cannot be reached or cannot serve now" (network, no primary, shutdown,
// failover, a transaction to retry) from programming errors, and turns the former into
// StoreUnavailableError, which the HTTP layer answers with 503 and Retry-After.
import {
  MongoClientClosedError, MongoError, MongoNetworkError, MongoNotConnectedError, MongoServerClosedError,
  MongoServerSelectionError, MongoTopologyClosedError
} from 'mongodb'
import { StoreUnavailableError } from '../../errors.js'

const UNAVAILABLE_CLASSES = [MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError,
  MongoNotConnectedError, MongoClientClosedError, MongoServerClosedError]

/** Server codes of the "not primary", "shutting down" and "network" families. */
const UNAVAILABLE_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436 // NotPrimaryOrSecondary
])

const UNAVAILABLE_LABELS = ['TransientTransactionError', 'UnknownTransactionCommitResult', 'RetryableWriteError']

export function isUnavailable (error: unknown): boolean {
  if (UNAVAILABLE_CLASSES.some(type => error instanceof type)) return true
  if (!(error instanceof MongoError)) return false
  return UNAVAILABLE_CODES.has(Number(error.code)) || UNAVAILABLE_LABELS.some(label => error.hasErrorLabel(label))
}

/** Returns the error to throw for a failure of `what` (e.g. "find on 'book'"). */
export function storeError (error: unknown, what: string): unknown {
  if (!isUnavailable(error)) return error
  const { name, message } = error as Error
  return new StoreUnavailableError(`mongodb store: ${what} failed`, { cause: error, reason: `${name}: ${message}` })
}
