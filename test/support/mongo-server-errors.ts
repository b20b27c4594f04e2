// Errors as the MongoDB server and driver 7 raise them, for the stand-in: server errors carry
// their code, codeName and labels; the driver wraps whatever fails during a bulk write (network,
// server selection, a write conflict) in a MongoBulkWriteError that keeps the original error in
// `errorResponse` and copies its labels, and has no code of its own for a driver error.
import { BSON, MongoBulkWriteError, MongoError, MongoInvalidArgumentError, MongoServerError } from 'mongodb'

/** The server's and driver's document limit (maxBsonObjectSize). */
export const MAX_BSON_SIZE = 16 * 1024 * 1024
/** A command document may pass the document limit by this much (BSONObjMaxInternalSize). */
const COMMAND_SLACK = 16 * 1024

export function serverError (code: number, codeName: string, message: string, labels: string[] = []): MongoServerError {
  return new MongoServerError({ ok: 0, code, codeName, errmsg: message, errorLabels: labels })
}

/** What the driver throws from `bulkWrite` when `error` is raised while the batch runs. */
export function bulkWriteError (error: unknown): unknown {
  if (!(error instanceof MongoError) || error instanceof MongoBulkWriteError) return error
  // the result is only read through getters the store never calls
  return new MongoBulkWriteError(error, {} as ConstructorParameters<typeof MongoBulkWriteError>[1])
}

export const maxTimeExpired = (): MongoServerError =>
  serverError(50, 'MaxTimeMSExpired', 'operation exceeded time limit')

export const cursorNotFound = (id: number): MongoServerError =>
  serverError(43, 'CursorNotFound', `cursor id ${id} not found`)

export const writeConflict = (): MongoServerError => serverError(112, 'WriteConflict',
  'Caused by :: Write conflict during plan execution and yielding is disabled. :: Please retry your operation or ' +
  'multi-document transaction.', ['TransientTransactionError'])

/** The server refuses a command document (a filter, a pipeline) past 16 MiB plus its slack. */
export function checkCommandSize (command: BSON.Document): void {
  const size = BSON.calculateObjectSize(command)
  if (size > MAX_BSON_SIZE + COMMAND_SLACK) {
    throw serverError(10334, 'BSONObjectTooLarge', `BSONObj size: ${size} is invalid. Size must be between 0 and ` +
      `${MAX_BSON_SIZE + COMMAND_SLACK}(16MB)`)
  }
}

/** The server refuses to return a result document past 16 MiB (a `$facet` holding a whole page, say). */
export function checkResultSize (doc: BSON.Document): void {
  const size = BSON.calculateObjectSize(doc)
  if (size > MAX_BSON_SIZE) {
    throw serverError(10334, 'BSONObjectTooLarge', `BSONObj size: ${size} is invalid. Size must be between 0 and ` +
      `${MAX_BSON_SIZE}(16MB)`)
  }
}

/**
 * The driver's check of each bulk write statement (`{q, u, upsert, multi}`) against
 * maxBsonObjectSize, made before anything is sent: a document a few bytes under 16 MiB fails here.
 */
export function checkStatementSize (statement: BSON.Document): void {
  if (BSON.calculateObjectSize(statement) >= MAX_BSON_SIZE) {
    throw new MongoInvalidArgumentError(`Document is larger than the maximum size ${MAX_BSON_SIZE}`)
  }
}
