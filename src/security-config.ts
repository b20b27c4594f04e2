// The reliability and security part of the configuration: API keys, store timeout, overload
// thresholds, CORS and rate limit. API_KEYS has its own compact syntax, parsed and checked here
// at start-up so that a bad key list stops the process with a message naming the variable.
import { Type, type Static } from 'typebox'
import { ConfigError } from './errors.js'

const Int = (description: string, fallback: number, minimum: number, maximum: number) =>
  Type.Integer({ description, default: fallback, minimum, maximum })

export const SecurityConfigSchema = Type.Object({
  API_KEYS: Type.Optional(
    Type.String({
      description:
        'API keys, comma separated, each `key:read` or `key:write`, optionally `:Entity+Entity`; authentication is ' +
          'off when unset',
      minLength: 1
    })
  ),
  STORE_TIMEOUT_MS: Int('A store call slower than this answers 503; also the SQLite busy timeout', 1000, 10, 60_000),
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: Int(
    'Shed load (503) when the event loop lags more than this; 0 = off',
    1000,
    0,
    60_000
  ),
  PRESSURE_MAX_HEAP_MB: Int('Shed load (503) when the V8 heap exceeds this many MiB; 0 = off', 0, 0, 1024 * 1024),
  PRESSURE_MAX_RSS_MB: Int('Shed load (503) when the resident set exceeds this many MiB; 0 = off', 0, 0, 1024 * 1024),
  CORS_ORIGIN: Type.Optional(
    Type.String({
      description: 'Origins allowed by CORS: `*` or a comma list of origins; CORS is off when unset',
      minLength: 1
    })
  ),
  RATE_LIMIT_MAX: Int('Requests per client address and window; 0 = no rate limit', 0, 0, 10_000_000),
  RATE_LIMIT_WINDOW_MS: Int('Rate limit window in milliseconds', 60_000, 1000, 86_400_000),
  SHUTDOWN_GRACE_MS: Int(
    'On SIGTERM, how long in-flight requests and streams may take before the process exits anyway (code 1)',
    10_000,
    100,
    600_000
  )
})

export type SecurityConfig = Static<typeof SecurityConfigSchema>

export type Scope = 'read' | 'write'

export interface ApiKey {
  /** Position in API_KEYS, for logs: the key itself is never logged. */
  index: number
  key: string
  scope: Scope
  /** Entities the key may reach; every entity (and non-entity routes) when undefined. */
  entities?: ReadonlySet<string>
}

export const MIN_KEY_LENGTH = 16
const KEY_CHARS = /^[A-Za-z0-9._~+/=-]+$/

/** Parses `key1:read,key2:write:Order+OrderItem`; throws ConfigError naming API_KEYS. */
export function parseApiKeys (text: string | undefined): ApiKey[] {
  if (text === undefined) return []
  const keys: ApiKey[] = []
  const seen = new Set<string>()
  text.split(',').map(s => s.trim()).filter(s => s !== '').forEach((entry, index) => {
    const [key = '', scope, entities, ...rest] = entry.split(':')
    // never echo the key: the message names the entry by position only
    const fail = (why: string): never => {
      throw new ConfigError(
        `invalid configuration: API_KEYS entry ${index + 1}: ${why}; expected key:read or key:write[:Entity+Entity]`
      )
    }
    if (rest.length > 0) fail('too many `:`')
    if (key.length < MIN_KEY_LENGTH) fail(`a key has at least ${MIN_KEY_LENGTH} characters`)
    if (!KEY_CHARS.test(key)) fail('a key uses only letters, digits and . _ ~ + / = -')
    if (scope !== 'read' && scope !== 'write') fail('the scope is read or write')
    if (seen.has(key)) fail('the key repeats an earlier entry')
    seen.add(key)
    const names = entities?.split('+').filter(n => n !== '')
    if (entities !== undefined && names!.length === 0) fail('the entity list is empty')
    keys.push({ index, key, scope: scope as Scope, ...(names === undefined ? {} : { entities: new Set(names) }) })
  })
  if (keys.length === 0) {
    throw new ConfigError(
      'invalid configuration: API_KEYS is set but lists no key; unset it to turn authentication off'
    )
  }
  return keys
}

/** Cross-field checks that a schema cannot express. */
export function checkSecurityConfig (config: SecurityConfig): void {
  parseApiKeys(config.API_KEYS)
  if (config.CORS_ORIGIN !== undefined) corsOrigins(config.CORS_ORIGIN)
}

/** `*` or a list of origins such as `https://app.example.com`. */
export function corsOrigins (text: string): true | string[] {
  if (text.trim() === '*') return true
  const origins = text.split(',').map(s => s.trim()).filter(s => s !== '')
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        `invalid configuration: CORS_ORIGIN="${text}": '${origin}' is not an origin (scheme://host[:port]) nor *`
      )
    }
  }
  return origins
}
