// SQLite's identity-link lookup searches the links' primary key once per key: without ANALYZE
// statistics a plain join walked every link of the entity and scanned the keys for each one
// (bench/key-import.ts: 27 s for one batch of 500 keys among 25,000 links).
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openStore } from '../../src/store/open-store.js'
import { resolveLinksSql } from '../../src/store/sqlite/link-statements.js'

const dir = mkdtempSync(join(tmpdir(), 'relata-sqlite-links-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test('resolveLinks loops over the keys and searches the primary key for each', async t => {
  const file = join(dir, 'links.db')
  const store = await openStore(`sqlite:${file}`, { entities: [{ name: 'order', refProperties: [] }] })
  t.teardown(() => store.close())
  const links = Array.from({ length: 2000 }, (_, i) => ({ source: 'shop', sourceId: `o${i}`, id: `shop:o${i}` }))
  await store.upsertMany('order', links.slice(0, 1000).map(link => ({ id: link.id })), links)

  const keys = [{ source: 'shop', sourceId: 'o7' }, { source: 'shop', sourceId: 'o1500' },
    { source: 'shop', sourceId: 'nope' }, { source: 'crm', sourceId: 'o7' }]
  const found = await store.resolveLinks('order', keys)
  t.strictSame(found.sort((a, b) => a.sourceId.localeCompare(b.sourceId)), [
    { source: 'shop', sourceId: 'o1500', id: 'shop:o1500', exists: false },
    { source: 'shop', sourceId: 'o7', id: 'shop:o7', exists: true }
  ], 'the known keys only, and whether their documents are stored')

  const db = new Database(file, { readonly: true })
  t.teardown(() => db.close())
  const pairs = JSON.stringify(keys.map(key => [key.source, key.sourceId]))
  const steps = (db.prepare(`EXPLAIN QUERY PLAN ${resolveLinksSql('"order"')}`).all(pairs, 'order') as
    Array<{ detail: string }>).map(row => row.detail)
  t.match(steps[0], /^SCAN json_each/, `the keys are the outer loop:\n${steps.join('\n')}`)
  t.match(steps[1], /^SEARCH l USING PRIMARY KEY \(entity=\? AND source=\? AND source_id=\?\)/,
    'one primary-key search per key')
  t.notOk(steps.some(step => step.includes('links_by_id')), 'never a walk over the entity\'s links')
})
