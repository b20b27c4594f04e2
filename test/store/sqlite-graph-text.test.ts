// SQLite writes a graph's text with concat() (src/store/sqlite/graph-sql.ts), whose arguments are
// limited (1,000 since SQLite 3.48, 127 before, unless built otherwise): a graph of many relationships nests the calls.
import Database from 'better-sqlite3'
import t from 'tap'
import { literal, sql, textSql } from '../../src/store/graph-text-sql.js'
import { sqliteConcat } from '../../src/store/sqlite/graph-sql.js'

t.test('a concatenation of many parts nests concat() calls under SQLite\'s limit, parts in order', async t => {
  const db = new Database(':memory:')
  t.teardown(() => db.close())
  const parts = Array.from({ length: 12_000 }, (_, i) => `(${i} || ',')`)
  const expression = sqliteConcat(parts)
  const text = (db.prepare(`SELECT ${expression} AS text`).get() as { text: string }).text
  t.equal(text, Array.from({ length: 12_000 }, (_, i) => `${i},`).join(''), 'every part once, in order')
  t.throws(() => db.prepare(`SELECT concat(${parts.slice(0, 1001).join(', ')})`),
    /too many arguments/, 'where one call of that many arguments is refused')
})

t.test('constant text in a row is one literal, and expressions are concatenated between', async t => {
  const db = new Database(':memory:')
  t.teardown(() => db.close())
  const pieces = ['{"a":', sql('1 + 1'), ',', '"b":', sql(literal("it's")), '}']
  const expression = textSql(pieces, sqliteConcat)
  t.equal(expression, 'concat(\'{"a":\', 1 + 1, \',"b":\', \'it\'\'s\', \'}\')')
  t.equal((db.prepare(`SELECT ${expression} AS text`).get() as { text: string }).text, '{"a":2,"b":it\'s}')
  t.equal(textSql(['{', '}'], sqliteConcat), "'{}'", 'constant text alone is a literal')
})
