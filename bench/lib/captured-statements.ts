// The statements Relata's PostgreSQL store runs for a request, caught on their way to the driver:
// an app is built in this process on `url`, each path is injected, and every query handed to a
// pg connection meanwhile is recorded, so a bench can replay the very text and parameters the
// store sends (the one-statement graph of a GET or a page) through another driver.
import pg from 'pg'
import { buildApp } from '../../plugins/app.js'
import { loadConfig } from '../../src/config.js'

export interface Statement {
  text: string
  values: unknown[]
}

type Query = (this: pg.Client, ...args: unknown[]) => unknown

/** Per path, the statements its request ran, in order. */
export async function capturedStatements (url: string, paths: readonly string[]): Promise<Statement[][]> {
  const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', SEED: 'false', GRAPHS_IN_STORE: 'true' })
  const app = await buildApp(config, { logger: false })
  const client = pg.Client.prototype as unknown as { query: Query }
  const original = client.query
  let seen: Statement[] = []
  client.query = function recording (...args) {
    const [first, second] = args as [string | { text: string, values?: unknown[] }, unknown[] | undefined]
    if (typeof first === 'string') seen.push({ text: first, values: second ?? [] })
    else seen.push({ text: first.text, values: first.values ?? [] })
    return original.apply(this, args)
  }
  try {
    const caught: Statement[][] = []
    for (const path of paths) {
      seen = []
      const res = await app.inject({ method: 'GET', url: path })
      if (res.statusCode !== 200) throw new Error(`GET ${path} answered ${res.statusCode}: ${res.body}`)
      caught.push(seen)
    }
    return caught
  } finally {
    client.query = original
    await app.close()
  }
}

/**
 * The one statement a request ran, as a function of the value that differs between two requests
 * of the same shape (an id, an offset): `a` and `b` were caught with `valueA` and `valueB`, and
 * the parameters holding those values are the ones replaced.
 */
export function parameterised (a: Statement[], b: Statement[], valueA: unknown, valueB: unknown):
(value: unknown) => Statement {
  if (a.length !== 1 || b.length !== 1) {
    throw new Error(`expected one statement per request, caught ${a.length} and ${b.length}:\n` +
      [...a, ...b].map(s => s.text.slice(0, 200)).join('\n'))
  }
  const [first, second] = [a[0]!, b[0]!]
  if (first.text !== second.text) throw new Error('the two requests ran different statement texts')
  const varying = first.values.flatMap((v, i) =>
    String(v) === String(valueA) && String(second.values[i]) === String(valueB) ? [i] : [])
  const others = first.values.filter((v, i) => !varying.includes(i) && String(v) !== String(second.values[i]))
  if (varying.length === 0 || others.length > 0) throw new Error(`cannot tell the varying parameter of ${first.text}`)
  return function statementFor (value) {
    return { text: first.text, values: first.values.map((v, i) => varying.includes(i) ? convert(v, value) : v) }
  }
}

/** `value` with the type the store gave that parameter. */
function convert (like: unknown, value: unknown): unknown {
  return typeof like === 'number' ? Number(value) : String(value)
}
