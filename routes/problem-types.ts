// The catalogue of problem types: every application/problem+json answer carries one of these
// `type`s (`urn:relata:problem:<name>`) with its status and title, whoever raised it (a domain
// error, a route, authentication, Fastify itself or one of its plugins). The README's table of
// problem types lists exactly these, and a test holds the two equal.

export interface ProblemType {
  status: number
  title: string
  /** When the server answers it, as the README's table says. */
  when: string
}

export const PROBLEM_TYPES = {
  'bad-request': {
    status: 400,
    title: 'Bad request',
    when: 'a query parameter, path or id is malformed, unknown, repeated or inapplicable; the detail names it and ' +
      'what is valid'
  },
  'invalid-json': {
    status: 400,
    title: 'Invalid JSON',
    when: 'the body is not JSON, is empty, or holds a key refused because it could reach `Object.prototype` ' +
      '(`__proto__`, `constructor.prototype`); the detail names the key'
  },
  'validation-failed': {
    status: 400,
    title: 'Validation failed',
    when: 'a document does not fit its entity\'s schema; `errors` has a JSON pointer per violation'
  },
  unauthorized: { status: 401, title: 'Unauthorized', when: 'an API key is needed and was missing or unknown' },
  forbidden: { status: 403, title: 'Forbidden', when: 'the API key lacks the scope or an entity the request needs' },
  'not-found': { status: 404, title: 'Not found', when: 'no document has this id' },
  'no-route': { status: 404, title: 'No such route', when: 'no route answers this method and path' },
  'body-too-large': { status: 413, title: 'Body too large', when: 'the body is larger than `BODY_LIMIT`' },
  'uri-too-long': { status: 414, title: 'URI too long', when: 'an id in the path is longer than 256 characters' },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    when: 'the route does not take the body\'s `Content-Type`; the detail lists those it takes'
  },
  'key-conflict': {
    status: 409,
    title: 'Key conflict',
    when: 'a write gives a unique key (`x-unique`, `x-unique-keys`) a value another document holds; the detail ' +
      'names the key and that document\'s id; nothing was written'
  },
  'key-in-use': {
    status: 409,
    title: 'Key in use',
    when: 'a write changes or drops a key value that children reference by it (`x-parent-key`); the detail names ' +
      'the key, the value and one referencing child; nothing was written'
  },
  'link-conflict': {
    status: 409,
    title: 'Link conflict',
    when: 'a write or a new identity link names a source id already linked to another document; nothing was written'
  },
  'missing-parent': {
    status: 422,
    title: 'Missing parent',
    when: 'a write references a missing parent through a relationship with `x-on-missing-parent: reject`'
  },
  'row-budget-exceeded': {
    status: 422,
    title: 'Row budget exceeded',
    when: 'a read could load more related documents than `ROW_BUDGET`; `errors` name the limits that fit'
  },
  'rate-limited': {
    status: 429,
    title: 'Too many requests',
    when: 'the client address sent more than `RATE_LIMIT_MAX` requests in the window; see `Retry-After`'
  },
  'client-closed-request': {
    status: 499,
    title: 'Client closed request',
    when: 'the client disconnected before the answer and its store reads were cancelled; logged, never received'
  },
  internal: { status: 500, title: 'Internal error', when: 'a bug: the details are logged with the request id' },
  'store-unavailable': {
    status: 503,
    title: 'Store unavailable',
    when: 'the store failed or did not answer within `STORE_TIMEOUT_MS`; see `Retry-After`'
  },
  overloaded: {
    status: 503,
    title: 'Overloaded',
    when: 'the server sheds load (event loop delay, heap or RSS past their limits); see `Retry-After`'
  }
} as const satisfies Record<string, ProblemType>

export type ProblemName = keyof typeof PROBLEM_TYPES

export const PROBLEM_TYPE_PREFIX = 'urn:relata:problem:'

export function problemTypeUri (name: ProblemName): string {
  return `${PROBLEM_TYPE_PREFIX}${name}`
}
