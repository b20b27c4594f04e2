// One error handler for the whole app: every error becomes application/problem+json (RFC 9457)
// with a type of the catalogue (routes/problem-types.ts). Known domain errors, HTTP errors and
// Fastify's own say what to fix; anything else is a 500 whose details stay in the log, next to
// the request id.
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import {
  BadRequestError, CancelledError, ForbiddenError, KeyConflictError, KeyInUseError, LinkConflictError,
  MissingParentError, NotFoundError, RelataError, RowBudgetError, StoreUnavailableError, ValidationError,
  type FieldError
} from '../src/errors.js'
import { HttpProblemError } from '../routes/http-errors.js'
import { PROBLEM_TYPES, problemTypeUri, type ProblemName } from '../routes/problem-types.js'
import { fastifyProblem } from '../routes/fastify-problems.js'
import { ShedLog } from './shed-log.js'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  requestId?: string
  errors?: FieldError[]
}

/** What a handler knows of a problem: the catalogue supplies its type, title and status. */
export interface ProblemOf {
  name: ProblemName
  detail: string
  errors?: FieldError[]
}

const DOMAIN: Array<[new (...args: never[]) => RelataError, ProblemName]> = [
  [ValidationError, 'validation-failed'],
  [BadRequestError, 'bad-request'],
  [ForbiddenError, 'forbidden'],
  [NotFoundError, 'not-found'],
  [KeyConflictError, 'key-conflict'],
  [KeyInUseError, 'key-in-use'],
  [MissingParentError, 'missing-parent'],
  [LinkConflictError, 'link-conflict'],
  [RowBudgetError, 'row-budget-exceeded'],
  [StoreUnavailableError, 'store-unavailable'],
  [CancelledError, 'client-closed-request']
]

export const RETRY_AFTER_SECONDS = 5

export function sendProblem (reply: FastifyReply, request: FastifyRequest, problemOf: ProblemOf): FastifyReply {
  const { name, detail, errors = [] } = problemOf
  const { status, title } = PROBLEM_TYPES[name]
  const problem: Problem = {
    type: problemTypeUri(name),
    title,
    status,
    detail,
    ...(errors.length > 0 ? { errors } : {}),
    instance: request.url.split('?')[0],
    requestId: request.id
  }
  if (status === 503) reply.header('retry-after', RETRY_AFTER_SECONDS)
  return reply.code(status).type('application/problem+json').send(problem)
}

function fromError (error: FastifyError, request: FastifyRequest): ProblemOf {
  for (const [ErrorClass, name] of DOMAIN) {
    if (error instanceof ErrorClass) {
      const errors = 'errors' in error ? (error.errors as FieldError[]) : []
      // a store fault's driver text stays in the log: the client is told what failed, not how
      const detail = error instanceof StoreUnavailableError ? error.detail : error.message
      return { name, detail, errors }
    }
  }
  if (error instanceof HttpProblemError) return { name: error.problem, detail: error.message, errors: error.errors }
  return fastifyProblem(error, request) ?? {
    name: 'internal',
    detail: 'an unexpected error occurred; quote the requestId when reporting it'
  }
}

/** Errors Fastify raises before routing (a malformed URL): the same problem shape as the rest. */
export function handleFrameworkError (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(reply, request, fromError(error, request))
}

export default fp(async function problemsPlugin (app) {
  const shedLog = new ShedLog(app.log)
  app.addHook('onClose', async function endShedding () {
    shedLog.end()
  })
  app.setErrorHandler(function handleError (error: FastifyError, request, reply) {
    const problem = fromError(error, request)
    // shed requests are counted per episode; a real fault is logged with its stack
    if (problem.name === 'overloaded') shedLog.shed(error.message)
    else if (PROBLEM_TYPES[problem.name].status >= 500) request.log.error({ err: error }, 'request failed')
    return sendProblem(reply, request, problem)
  })
  app.setNotFoundHandler(function handleNotFound (request, reply) {
    return sendProblem(reply, request, {
      name: 'no-route',
      detail: `no route ${request.method} ${request.url.split('?')[0]}; see /docs for the API`
    })
  })
}, { name: 'relata-problems', fastify: '5.x' })
