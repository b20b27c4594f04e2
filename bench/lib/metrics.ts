// Reads store round trips from a server's Prometheus text (`relata_store_queries_total`).

export async function storeQueries (baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/metrics`)
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`)
  let sum = 0
  for (const line of (await res.text()).split('\n')) {
    const m = /^relata_store_queries_total(?:\{[^}]*\})? ([0-9.e+]+)$/.exec(line)
    if (m !== null) sum += Number(m[1])
  }
  return sum
}

/** Store round trips per request, measured exactly over `paths` requested one at a time. */
export async function roundTripsPerRequest (baseUrl: string, paths: readonly string[]): Promise<number> {
  const before = await storeQueries(baseUrl)
  for (const path of paths) {
    const res = await fetch(baseUrl + path)
    if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`)
    await res.arrayBuffer()
  }
  return (await storeQueries(baseUrl) - before) / paths.length
}

/** Store round trips so far, by operation (`getMany`, `resolveLinks`, `upsertMany`, …), over all entities. */
export async function storeQueriesByOp (baseUrl: string): Promise<Map<string, number>> {
  const res = await fetch(`${baseUrl}/metrics`)
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`)
  const byOp = new Map<string, number>()
  for (const line of (await res.text()).split('\n')) {
    const m = /^relata_store_queries_total\{[^}]*op="([^"]+)"[^}]*\} ([0-9.e+]+)$/.exec(line)
    if (m !== null) byOp.set(m[1]!, (byOp.get(m[1]!) ?? 0) + Number(m[2]))
  }
  return byOp
}
