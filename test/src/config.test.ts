import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { ConfigError } from '../../src/errors.js'

t.test('defaults', async t => {
  const config = loadConfig({})
  t.equal(config.PORT, 3000)
  t.equal(config.DATABASE_URL, 'sqlite:./data/relata.db')
  t.equal(config.CHILD_LIMIT, 1000)
  t.equal(config.MODEL_PATH, undefined)
  t.equal(config.PG_POOL_SIZE, 10)
})

t.test('PostgreSQL URLs and pool size', async t => {
  for (const url of ['postgres://u:p@db:5432/relata', 'postgresql://db/relata?sslmode=verify-full']) {
    t.equal(loadConfig({ DATABASE_URL: url }).DATABASE_URL, url)
  }
  t.equal(loadConfig({ PG_POOL_SIZE: '32' }).PG_POOL_SIZE, 32)
})

t.test('converts numbers and ignores empty values', async t => {
  const config = loadConfig({ PORT: '8080', CHILD_LIMIT: '5', HOST: '' })
  t.equal(config.PORT, 8080)
  t.equal(config.CHILD_LIMIT, 5)
  t.equal(config.HOST, '127.0.0.1')
})

t.test('a bad value names the variable', async t => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), { name: ConfigError.name, message: /PORT="eighty": must be integer/ })
  t.throws(() => loadConfig({ PORT: '70000' }), /PORT=/)
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL="loud": must be one of fatal, error/)
  t.throws(() => loadConfig({ DATABASE_URL: 'mysql://db' }), /DATABASE_URL="mysql:…": /)
  const refused = t.throws(() => loadConfig({ DATABASE_URL: 'ftp://admin:hunter2@db.example/x' })) as Error
  t.notMatch(refused.message, /hunter2|admin/, 'a refused store URL is shown without its credentials')
  t.match(refused.message, /DATABASE_URL="ftp:…"/)
  t.throws(() => loadConfig({ PG_POOL_SIZE: '0' }), /PG_POOL_SIZE=0: must be >= 1/)
  t.throws(() => loadConfig({ PG_POOL_SIZE: 'many' }), /PG_POOL_SIZE="many": must be integer/)
  t.throws(() => loadConfig({ CHILD_LIMIT: '0' }), /CHILD_LIMIT/)
})

t.test('security settings: API_KEYS and CORS_ORIGIN are checked at start, without echoing keys', async t => {
  const config = loadConfig({ API_KEYS: 'a-long-enough-key-1:read, another-long-key-22:write:Order+OrderItem' })
  t.equal(config.STORE_TIMEOUT_MS, 1000)
  t.equal(config.RATE_LIMIT_MAX, 0, 'no rate limit by default')
  t.throws(() => loadConfig({ API_KEYS: 'short:read' }), {
    name: ConfigError.name,
    message: /API_KEYS entry 1: a key has at least 16 characters/
  })
  t.throws(() => loadConfig({ API_KEYS: 'a-long-enough-key-1:admin' }), /API_KEYS entry 1: the scope is read or write/)
  t.throws(
    () => loadConfig({ API_KEYS: 'a-long-enough-key-1:read,a-long-enough-key-1:write' }),
    /entry 2: the key repeats/
  )
  t.throws(() => loadConfig({ API_KEYS: 'a-long-enough-key-1:read:' }), /entity list is empty/)
  t.throws(() => loadConfig({ API_KEYS: 'a-long-enough-key-1:read:A:B' }), /too many/)
  t.throws(() => loadConfig({ API_KEYS: 'a long enough key 1:read' }), /only letters/)
  t.throws(() => loadConfig({ API_KEYS: ' , ' }), /lists no key/)
  try {
    loadConfig({ API_KEYS: 'a-secret-key-never-shown:owner' })
  } catch (err) {
    t.notMatch((err as Error).message, /a-secret-key-never-shown/, 'the key is not echoed')
  }
  t.same(loadConfig({ CORS_ORIGIN: '*' }).CORS_ORIGIN, '*')
  t.throws(() => loadConfig({ CORS_ORIGIN: 'example.com' }), /CORS_ORIGIN="example.com"/)
  t.throws(() => loadConfig({ STORE_TIMEOUT_MS: '0' }), /STORE_TIMEOUT_MS/)
})
