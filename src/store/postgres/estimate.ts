// PostgreSQL's own estimate of how many rows match a filter: the planner's row count for the
// top node of the filter's plan (EXPLAIN, which plans without running). It comes from the
// table's statistics, so it can be far off either way; a bounded count (FindQuery.estimate)
// sends it beside the exact lower bound, never instead of a total.
import type pg from 'pg'
import { fromDriver } from './postgres-errors.js'
import * as statements from './statements.js'

export async function plannedRows (pool: pg.Pool, table: string, where: string, params: unknown[]): Promise<number> {
  const { rows } = await fromDriver(pool.query(statements.estimateSql(table, where), params))
  const [plan] = (rows[0] as Record<string, unknown>)['QUERY PLAN'] as Array<{ Plan: { 'Plan Rows': number } }>
  return Math.round(plan!.Plan['Plan Rows'])
}
