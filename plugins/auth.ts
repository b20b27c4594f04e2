// Optional API-key authentication. Off when no key is configured (local use); otherwise every
// request but /health, /docs and the OpenAPI document needs a key (`X-API-Key: <key>` or
// `Authorization: Bearer <key>`): reads need scope read, writes scope write. A key limited to
// some entities reaches only their routes (and /api/_model), and its entity list is put on the
// request as `entityScope`, which the read parsers apply to every entity a request reaches.
// Keys are compared as SHA-256 digests with timingSafeEqual, so neither content nor length leaks
// through timing; keys are never logged.
import { createHash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ConfigError } from '../src/errors.js'
import { checkedParents } from '../src/integrity/missing-parents.js'
import { EntityScope } from '../src/metadata/entity-scope.js'
import type { RelationshipMetadata } from '../src/metadata/relationship-metadata.js'
import type { EntityMetadata } from '../src/metadata/types.js'
import { parseApiKeys, type ApiKey } from '../src/security-config.js'
import { sendProblem } from './problems.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The entities this request may read: its API key's list, or every entity. */
    entityScope: EntityScope
  }
}

export interface AuthOptions {
  apiKeys: string | undefined
  metadata: RelationshipMetadata
}

interface StoredKey extends Omit<ApiKey, 'key'> {
  digest: Buffer
  entityScope: EntityScope
}

const PUBLIC = [/^\/health$/, /^\/openapi\.json$/, /^\/docs(\/|$)/]
/** Routes outside the entities' that an entity-limited key may call: they answer within its scope. */
const SCOPED = [/^\/api\/_model(\/diagram)?$/]
const SCOPE = Symbol('entityScope')
type ScopedRequest = FastifyRequest & { [SCOPE]?: EntityScope }
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const CHALLENGE = 'Bearer realm="relata", charset="UTF-8"'

/**
 * What authentication may answer on a route when keys are configured: 401 off the public paths,
 * and 403 where a key's scope can fall short (a write, or a route outside an entity list).
 */
export function authStatuses (path: string, method: string): Array<401 | 403> {
  if (PUBLIC.some(p => p.test(path))) return []
  return READ_METHODS.has(method) && SCOPED.some(p => p.test(path)) ? [401] : [401, 403]
}

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

/**
 * A write to `meta` reads the parents its reject and park relationships check: their existence
 * would show through the answer, so each must be within the key's scope.
 */
function checkWriteScope (meta: EntityMetadata, scope: EntityScope): void {
  for (const rel of checkedParents(meta)) {
    scope.check(rel.target, `writing ${meta.name} (${rel.property} checks that its parent exists)`, `/${rel.property}`)
  }
}

export default fp<AuthOptions>(async function authPlugin (app, { apiKeys, metadata }) {
  app.decorateRequest('entityScope', {
    getter (this: ScopedRequest) {
      return this[SCOPE] ?? EntityScope.EVERY
    }
  })
  const keys: StoredKey[] = parseApiKeys(apiKeys)
    .map(({ key, ...rest }) => ({ ...rest, digest: digest(key), entityScope: new EntityScope(rest.entities) }))
  if (keys.length === 0) return
  for (const key of keys) {
    for (const name of key.entities ?? []) {
      if (!metadata.has(name)) {
        throw new ConfigError(
          `invalid configuration: API_KEYS entry ${key.index + 1}: unknown entity '${name}'; the model ` +
            `has ${metadata.names.join(', ')}`
        )
      }
    }
  }

  app.addHook('onRequest', async function authenticate (request, reply) {
    const path = request.url.split('?')[0]!
    if (PUBLIC.some(p => p.test(path))) return
    const presented = presentedKey(request)
    if (presented === undefined) {
      return unauthorized(
        request,
        reply,
        'this server needs an API key: send X-API-Key: <key> or Authorization: Bearer <key>'
      )
    }
    const key = findKey(keys, presented)
    if (key === undefined) return unauthorized(request, reply, 'the API key is not valid')
    const needs = READ_METHODS.has(request.method) ? 'read' : 'write'
    if (needs === 'write' && key.scope !== 'write') {
      return forbidden(request, reply, `this API key may only read; ${request.method} needs a key with scope write`)
    }
    if (key.entityScope.limited) {
      const entity = entityOf(path, metadata)
      if (entity === undefined && !SCOPED.some(p => p.test(path))) {
        const limit = key.entityScope.names!.join(', ')
        return forbidden(request, reply, `${path} is not an entity route, and this API key is limited to ${limit}`)
      }
      if (entity !== undefined) {
        key.entityScope.check(entity.name, path, '/')
        // a delete reads no parent
        if (needs === 'write' && request.method !== 'DELETE') checkWriteScope(entity, key.entityScope)
      }
      ;(request as ScopedRequest)[SCOPE] = key.entityScope
    }
    request.log.debug({ apiKey: key.index + 1 }, 'authenticated')
  })
}, { name: 'relata-auth', dependencies: ['relata-problems'], fastify: '5.x' })

/** `/api/orders/…` and `/api/_parked/orders/…` → `Order`; undefined for paths outside the entity routes. */
function entityOf (path: string, metadata: RelationshipMetadata): EntityMetadata | undefined {
  const match = /^\/api\/(?:_parked\/)?([^/]+)/.exec(path)
  return match === null ? undefined : metadata.byRoute(match[1]!)
}
