// Configuration from environment variables, validated at start-up against a TypeBox schema:
// a bad value stops the process with a message that names the variable.
import { Type, type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import Value from 'typebox/value'
import { ConfigError } from './errors.js'
import { SecurityConfigSchema, checkSecurityConfig } from './security-config.js'

const Int = (description: string, fallback: number, minimum: number, maximum: number) =>
  Type.Integer({ description, default: fallback, minimum, maximum })

export const ConfigSchema = Type.Object({
  PORT: Int('TCP port to listen on', 3000, 0, 65535),
  HOST: Type.String({ description: 'Interface to listen on', default: '127.0.0.1', minLength: 1 }),
  DATABASE_URL: Type.String({
    description:
      'Store: sqlite:<path>, sqlite::memory:, memory:, mongodb://host/db, mongodb+srv://host/db, ' +
      'or postgres://user:password@host/db (also postgresql://)',
    default: 'sqlite:./data/relata.db',
    pattern: '^(sqlite:|memory:|mongodb(\\+srv)?://|postgres(ql)?://)'
  }),
  PG_POOL_SIZE: Int(
    'Most connections to PostgreSQL at once, per instance (a stream holds one while it runs)',
    10,
    1,
    1000
  ),
  GRAPHS_IN_STORE: Type.Union([Type.Literal('true'), Type.Literal('false')], {
    description: 'Graphs of a GET, a page or a stream batch built by the store in one statement where it can ' +
      '(PostgreSQL, SQLite); false: always one round trip per relationship',
    default: 'true'
  }),
  MODEL_PATH: Type.Optional(
    Type.String({
      description: 'A .json model, or a JS module exporting one; the sample shop model when unset',
      minLength: 1
    })
  ),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map(l => Type.Literal(l)),
    { default: 'info' }
  ),
  CHILD_LIMIT: Int('Children loaded per parent and relationship in a graph', 1000, 1, 100000),
  ROW_BUDGET: Int(
    'Most related documents one answer (a GET, a page, a stream batch) may load, counted at worst from with, depth, ' +
      'limit[Child] and CHILD_LIMIT; a request over it is refused with 422, a stream reads smaller batches',
    1_001_000,
    1,
    1_000_000_000
  ),
  MAX_BULK: Int('Most documents in one write request', 5000, 1, 100000),
  COUNT_LIMIT: Int(
    'Matches a list counts exactly for X-Total-Count (more when the page reaches further); past it, only ' +
      'X-Total-Count-At-Least, unless the request asks total=exact',
    10_000,
    0,
    1_000_000_000
  ),
  REQUIRE_INDEXED_QUERIES: Type.Union([Type.Literal('true'), Type.Literal('false')], {
    description: 'Refuse (400) a list or stream whose filter or sort no index serves (declared x-index or ' +
      'x-indexes, unique key, reference or id), instead of reading every document of the entity',
    default: 'false'
  }),
  BODY_LIMIT: Int('Largest request body in bytes', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  STREAM_BATCH_SIZE: Int('Documents read from the store per stream batch', 500, 1, 10000),
  HEAL_INTERVAL_MS: Int(
    'How often parked records are healed in the background, in ms (0: only at start-up and when a write pokes)',
    60_000,
    0,
    86_400_000
  ),
  HEAL_BATCH_SIZE: Int('Parked records read and healed per batch', 500, 1, 10_000),
  HEAL_NOTIFY: Type.Union([Type.Literal('true'), Type.Literal('false')], {
    description: 'On PostgreSQL, a write of parents on one instance pokes the healers of the other instances ' +
      'on the same database and schema (LISTEN/NOTIFY, one more connection per instance)',
    default: 'false'
  }),
  PARKED_MAX_AGE_MS: Int(
    'Records parked longer than this are reported (metric and log), never dropped',
    3_600_000,
    1,
    2_147_483_647
  ),
  TEXT_ANSWERS: Type.Union([Type.Literal('true'), Type.Literal('false')], {
    description:
      'Write read answers by splicing in the stored JSON text of documents where the store keeps it (SQLite), ' +
      'parsing only those whose properties are hidden or picked; false parses every document (the general path)',
    default: 'true'
  }),
  SEED: Type.Union([Type.Literal('auto'), Type.Literal('true'), Type.Literal('false')], {
    description: 'Seed sample data into an empty store: auto = only for the built-in sample model',
    default: 'auto'
  }),
  ...SecurityConfigSchema.properties
})

export type Config = Static<typeof ConfigSchema>

const validator = Compile(ConfigSchema)

/** A value as an error may echo it: a store URL may carry credentials, so only its scheme is shown. */
function shown (name: string, value: unknown): string {
  if (name !== 'DATABASE_URL' || typeof value !== 'string') return JSON.stringify(value ?? null)
  const colon = value.indexOf(':')
  return JSON.stringify(colon < 0 ? '…' : `${value.slice(0, colon + 1)}…`)
}

/** Reads the variables the schema knows from `env`; unknown variables are ignored. */
export function loadConfig (env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, unknown> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') input[key] = value
  }
  const candidate = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, input))
  const errors = [...validator.Errors(candidate)]
  if (errors.length > 0) {
    const lines = errors.map(e => {
      const name = e.instancePath.slice(1) || '(config)'
      return `${name}=${shown(name, input[name])}: ${describe(name) ?? e.message}`
    })
    throw new ConfigError(`invalid configuration: ${[...new Set(lines)].join('; ')}`)
  }
  checkSecurityConfig(candidate as Static<typeof SecurityConfigSchema>)
  return candidate as Config
}

/** "must be one of …" reads better than the union's per-member errors. */
function describe (name: string): string | undefined {
  const schema = (ConfigSchema.properties as Record<string, { anyOf?: Array<{ const?: unknown }> }>)[name]
  const values = schema?.anyOf?.map(member => member.const)
  return values === undefined ? undefined : `must be one of ${values.join(', ')}`
}
