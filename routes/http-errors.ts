// Errors that only HTTP has (a body that is not JSON, a content type a route does not take),
// raised by the content-type parsers and route hooks; each names its entry of the catalogue.
import type { FieldError } from '../src/errors.js'
import { PROBLEM_TYPES, type ProblemName } from './problem-types.js'

export class HttpProblemError extends Error {
  readonly statusCode: number
  constructor (readonly problem: ProblemName, message: string, readonly errors: FieldError[] = []) {
    super(message)
    this.name = new.target.name
    this.statusCode = PROBLEM_TYPES[problem].status
  }
}

export class InvalidJsonError extends HttpProblemError {
  constructor (message: string, errors: FieldError[] = []) {
    super('invalid-json', message, errors)
  }
}

export class UnsupportedMediaTypeError extends HttpProblemError {
  constructor (message: string) {
    super('unsupported-media-type', message)
  }
}
