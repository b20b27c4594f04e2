// Whole NDJSON streams read one at a time from each server in turn, in interleaved rounds: rows/s
// and the server's CPU (every thread, from /proc) per 1,000 rows. Load tools that open many
// connections measure requests that finish; a stream of thousands of rows under load may not.
import { processCpuMs } from './cpu.js'
import { ROUNDS } from './load.js'
import { readBody } from './read-body.js'

export interface StreamServer {
  name: string
  url: string
  pid: number
}

export interface StreamResult {
  rowsPerSec: number
  cpuMsPer1000Rows: number
}

/** `reads` streams of `path` from each server per round, the servers in turn, `ROUNDS` rounds. */
export async function streamRounds (servers: readonly StreamServer[], path: string,
  reads = 3): Promise<StreamResult[]> {
  const totals = servers.map(() => ({ rows: 0, seconds: 0, cpuMs: 0 }))
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, server] of servers.entries()) {
      const total = totals[i]!
      const cpu = processCpuMs(server.pid)
      const started = performance.now()
      for (let n = 0; n < reads; n++) total.rows += (await readBody(server.url + path, false)).lines
      total.seconds += (performance.now() - started) / 1000
      total.cpuMs += processCpuMs(server.pid) - cpu
    }
  }
  return totals.map(t => ({ rowsPerSec: t.rows / t.seconds, cpuMsPer1000Rows: (1000 * t.cpuMs) / t.rows }))
}
