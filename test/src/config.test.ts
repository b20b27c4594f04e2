import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { ConfigError } from '../../src/errors.js'

t.test('defaults', async t => {
  const config = loadConfig({})
  t.equal(config.PORT, 3000)
  t.equal(config.DATABASE_URL, 'sqlite:./data/relata.db')
  t.equal(config.CHILD_LIMIT, 1000)
  t.equal(config.MODEL_PATH, undefined)
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
  t.throws(() => loadConfig({ DATABASE_URL: 'postgres://db' }), /DATABASE_URL="postgres:\/\/db"/)
  t.throws(() => loadConfig({ CHILD_LIMIT: '0' }), /CHILD_LIMIT/)
})
