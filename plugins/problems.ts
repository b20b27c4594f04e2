// One error handler for the whole app: every error becomes application/problem+json (RFC 9457).
// Known domain errors and Fastify's own 4xx errors say what to fix; anything else is a 500
// whose details stay in the log, next to the request id.
import { STATUS_CODES } from 'node:http'
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import {
  BadRequestError, ForbiddenError, MissingParentError, NotFoundError, RelataError, RowBudgetError,
  StoreUnavailableError, ValidationError, type FieldError
} from '../src/errors.js'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  requestId?: string
  errors?: FieldError[]
}

const STATUS: Array<[new (...args: never[]) => RelataError, number, string]> = [
  [ValidationError, 400, 'Validation failed'],
  [BadRequestError, 400, 'Bad request'],
  [ForbiddenError, 403, 'Forbidden'],
  [NotFoundError, 404, 'Not found'],
  [MissingParentError, 422, 'Missing parent'],
  [RowBudgetError, 422, 'Row budget exceeded'],
  [StoreUnavailableError, 503, 'Store unavailable']
]

export const RETRY_AFTER_SECONDS = 5

export function sendProblem (reply: FastifyReply, request: FastifyRequest, problem: Omit<Problem, 'instance' | 'requestId'>): FastifyReply {
  return reply.code(problem.status).type('application/problem+json').send({
    ...problem,
    instance: request.url.split('?')[0],
    requestId: request.id
  })
}

function fromError (error: FastifyError & { validationContext?: string }): Omit<Problem, 'instance' | 'requestId'> {
  for (const [ErrorClass, status, title] of STATUS) {
    if (error instanceof ErrorClass) {
      const errors = 'errors' in error ? (error.errors as FieldError[]) : []
      return { type: `urn:relata:problem:${error.code}`, title, status, detail: error.message, ...(errors.length > 0 ? { errors } : {}) }
    }
  }
  if (error.validation !== undefined) {
    const part = error.validationContext ?? 'request'
    return {
      type: 'urn:relata:problem:bad-request',
      title: 'Bad request',
      status: 400,
      detail: `invalid ${part}: ${error.validation.map(v => `${v.instancePath || '/'} ${v.message ?? ''}`.trim()).join('; ')}`,
      errors: error.validation.map(v => ({ path: validationPath(part, v), message: v.message ?? 'invalid' }))
    }
  }
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    return { type: `urn:relata:problem:${(error.code ?? 'bad-request').toLowerCase()}`, title: STATUS_CODES[status] ?? 'Bad request', status, detail: error.message }
  }
  // @fastify/under-pressure sheds load with a 503 error of its own
  if (status === 503) return { type: 'urn:relata:problem:overloaded', title: 'Service Unavailable', status, detail: 'the server is overloaded; retry after the Retry-After delay' }
  return { type: 'urn:relata:problem:internal', title: 'Internal Server Error', status: 500, detail: 'an unexpected error occurred; quote the requestId when reporting it' }
}

function validationPath (part: string, v: { instancePath: string, params: unknown }): string {
  const missing = (v.params as { missingProperty?: string }).missingProperty
  return `/${part}${v.instancePath}${missing === undefined ? '' : `/${missing}`}`
}

/** Errors Fastify raises before routing (a malformed URL): the same problem shape as the rest. */
export function handleFrameworkError (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(reply, request, fromError(error))
}

export default fp(async function problemsPlugin (app) {
  app.setErrorHandler(function handleError (error: FastifyError, request, reply) {
    const problem = fromError(error)
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed')
    if (problem.status === 503) reply.header('retry-after', RETRY_AFTER_SECONDS)
    return sendProblem(reply, request, problem)
  })
  app.setNotFoundHandler(function handleNotFound (request, reply) {
    return sendProblem(reply, request, {
      type: 'urn:relata:problem:no-route',
      title: 'Not found',
      status: 404,
      detail: `no route ${request.method} ${request.url.split('?')[0]}; see /docs for the API`
    })
  })
}, { name: 'relata-problems', fastify: '5.x' })
