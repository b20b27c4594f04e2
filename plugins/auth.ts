// Optional API-key authentication. Off when no key is configured (local use); otherwise every
// request but /health, /docs and the OpenAPI document needs a key (`X-API-Key: <key>` or
// `Authorization: Bearer <key>`): reads need scope read, writes scope write, and a key limited
// to some entities reaches only their routes. Keys are compared as SHA-256 digests with
// timingSafeEqual, so neither content nor length leaks through timing; keys are never logged.
import { createHash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ConfigError } from '../src/errors.js'
import type { RelationshipMetadata } from '../src/metadata/relationship-metadata.js'
import { parseApiKeys, type ApiKey } from '../src/security-config.js'
import { sendProblem } from './problems.js'

export interface AuthOptions {
  apiKeys: string | undefined
  metadata: RelationshipMetadata
}

interface StoredKey extends Omit<ApiKey, 'key'> {
  digest: Buffer
}

const PUBLIC = [/^\/health$/, /^\/openapi\.json$/, /^\/docs(\/|$)/]
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const CHALLENGE = 'Bearer realm="relata", charset="UTF-8"'

function digest (key: string): Buffer {
  return createHash('sha256').update(key).digest()
}

/** Checks every key, without stopping at a match, so the time does not depend on which matched. */
function findKey (keys: readonly StoredKey[], presented: string): StoredKey | undefined {
  const candidate = digest(presented)
  let found: StoredKey | undefined
  for (const key of keys) {
    if (timingSafeEqual(key.digest, candidate) && found === undefined) found = key
  }
  return found
}

function presentedKey (request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key']
  if (typeof header === 'string' && header !== '') return header
  const authorization = request.headers.authorization
  if (authorization === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
  return match?.[1]
}

function unauthorized (request: FastifyRequest, reply: FastifyReply, detail: string): FastifyReply {
  reply.header('www-authenticate', CHALLENGE)
  return sendProblem(reply, request, { name: 'unauthorized', detail })
}

function forbidden (request: FastifyRequest, reply: FastifyReply, detail: string): FastifyReply {
  return sendProblem(reply, request, { name: 'forbidden', detail })
}

export default fp<AuthOptions>(async function authPlugin (app, { apiKeys, metadata }) {
  const keys: StoredKey[] = parseApiKeys(apiKeys).map(({ key, ...rest }) => ({ ...rest, digest: digest(key) }))
  if (keys.length === 0) return
  for (const key of keys) {
    for (const name of key.entities ?? []) {
      if (!metadata.has(name)) throw new ConfigError(`invalid configuration: API_KEYS entry ${key.index + 1}: unknown entity '${name}'; the model has ${metadata.names.join(', ')}`)
    }
  }

  app.addHook('onRequest', async function authenticate (request, reply) {
    const path = request.url.split('?')[0]!
    if (PUBLIC.some(p => p.test(path))) return
    const presented = presentedKey(request)
    if (presented === undefined) return unauthorized(request, reply, 'this server needs an API key: send X-API-Key: <key> or Authorization: Bearer <key>')
    const key = findKey(keys, presented)
    if (key === undefined) return unauthorized(request, reply, 'the API key is not valid')
    const needs = READ_METHODS.has(request.method) ? 'read' : 'write'
    if (needs === 'write' && key.scope !== 'write') return forbidden(request, reply, `this API key may only read; ${request.method} needs a key with scope write`)
    if (key.entities !== undefined) {
      const entity = entityOf(path, metadata)
      if (entity === undefined || !key.entities.has(entity)) {
        return forbidden(request, reply, `this API key may only reach ${[...key.entities].join(', ')}`)
      }
    }
    request.log.debug({ apiKey: key.index + 1 }, 'authenticated')
  })
}, { name: 'relata-auth', dependencies: ['relata-problems'], fastify: '5.x' })

/** `/api/orders/…` → `Order`; undefined for paths outside the entity routes. */
function entityOf (path: string, metadata: RelationshipMetadata): string | undefined {
  const match = /^\/api\/([^/]+)/.exec(path)
  return match === null ? undefined : metadata.byRoute(match[1]!)?.name
}
