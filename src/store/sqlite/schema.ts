// Brings a database up to the model at open: a table per entity, and for each ref property a
// generated column (virtual, so writes cost nothing extra but the index update) with an index.
// Each declared index becomes an expression index on exactly the expressions that filters
// and ORDER BY use (json_extract, see field-sql.ts), then id, the order's tie-breaker, so the
// planner serves both from it. Only adds what is missing or rebuilds what is defined otherwise
// (index-sql.ts), so reopening an existing file with a grown model just works; the indexes are
// built last, together, so that a long build on an earlier version's file is logged.
import type Database from 'better-sqlite3'
import type { StoreEntity } from '../store.js'
import { createLinksSql } from './link-statements.js'
import { fieldSql, typeSql, valueSql } from './field-sql.js'
import { buildIndexes, indexBuild, type BuildOptions, type IndexBuild } from './index-sql.js'
import { uniqueKeyBuilds } from './unique-sql.js'
import {
  declaredIndexName, jsonPath, legacyRefIndexName, quoteIdentifier, refColumnName, refIndexName, tableSql
} from './identifiers.js'

function columnNames (db: Database.Database, entity: string): Set<string> {
  // table_xinfo, unlike table_info, also lists generated columns
  const rows = db.prepare('SELECT name FROM pragma_table_xinfo(?)').all(entity) as Array<{ name: string }>
  return new Set(rows.map(row => row.name))
}

function ensureEntity (db: Database.Database, entity: StoreEntity, builds: IndexBuild[]): void {
  const table = quoteIdentifier(entity.name)
  // json_valid rejects, at write time, JSON that json_extract could not read later (too deep)
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, doc TEXT NOT NULL CHECK (json_valid(doc)))`)
  const existing = columnNames(db, entity.name)
  for (const property of entity.refProperties) {
    const column = refColumnName(property)
    const path = jsonPath(property)
    if (!existing.has(column)) {
      // only string values: parent ids are strings, and a filter on the column needs no type guard
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${quoteIdentifier(column)} GENERATED ALWAYS AS ` +
        `(CASE json_type(doc, ${path}) WHEN 'text' THEN json_extract(doc, ${path}) END) VIRTUAL`)
    }
  }
  for (const property of entity.refProperties) {
    // (ref, id): children come out of the index already in id order, so findByRefs's per-parent
    // ROW_NUMBER() needs no temporary sort (64 µs → 14 µs for one order's items, 10,000 orders);
    // the other refs after it let a relation filter read its children's refs from the index
    // alone (the items of a product → their orders: no table read per item)
    const others = entity.refProperties.filter(other => other !== property)
    const column = (ref: string): string => quoteIdentifier(refColumnName(ref))
    const build = indexBuild(db, entity.name, refIndexName(entity.name, property), table,
      [column(property), 'id', ...others.map(column)])
    if (build !== undefined) builds.push(build)
    db.exec(`DROP INDEX IF EXISTS ${quoteIdentifier(legacyRefIndexName(entity.name, property))}`)
  }
  ensureDeclaredIndexes(db, entity, builds)
  builds.push(...uniqueKeyBuilds(db, entity))
}

function ensureDeclaredIndexes (db: Database.Database, entity: StoreEntity, builds: IndexBuild[]): void {
  const table = tableSql(entity)
  for (const keys of entity.indexes ?? []) {
    const fields = keys.map(key => fieldSql(key.field, table))
    const values = keys.map((key, i) => `${valueSql(fields[i]!)}${key.desc ? ' DESC' : ''}`)
    // the filters' type guards (json_type, field-sql.ts) after id: the index then answers a filter
    // alone, without reading and parsing each matching document, and still gives the sort order
    const build = indexBuild(db, entity.name, declaredIndexName(entity.name, keys), table.table,
      [...values, 'id', ...fields.map(typeSql)])
    if (build !== undefined) builds.push(build)
  }
}

/**
 * Tables, generated columns and the links table, in one transaction; returns the indexes
 * (unique keys' too) still to build (index-sql.ts buildIndexes: minutes on a big file).
 */
export function migrateSchema (db: Database.Database, entities: readonly StoreEntity[]): IndexBuild[] {
  return db.transaction(function migrate () {
    const builds: IndexBuild[] = []
    for (const entity of entities) ensureEntity(db, entity, builds)
    for (const sql of createLinksSql) db.exec(sql)
    return builds
  })()
}

/** The whole schema, indexes built on this connection. */
export async function ensureSchema (db: Database.Database, entities: readonly StoreEntity[],
  options: BuildOptions = { busyTimeoutMs: 0 }): Promise<void> {
  await buildIndexes(db, migrateSchema(db, entities), options)
}
