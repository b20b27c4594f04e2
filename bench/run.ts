// `npm run bench`: runs every bench, one after the other, each in its own process (so each
// one's servers and clients are gone before the next starts), and says how long each took.
// Arguments pick benches by name: `npm run bench -- page stream`.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { markdownTable } from './lib/table.js'

const BENCHES = ['get-by-id', 'limit', 'page', 'compression', 'child-limit', 'sqlite-children', 'semi-join', 'stream',
  'json-server', 'healing', 'healing-scale', 'indexes', 'postgres-graphs']

async function runOne (name: string): Promise<{ code: number, seconds: number }> {
  const started = performance.now()
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./${name}.ts`, import.meta.url))], {
    stdio: 'inherit'
  })
  const [code] = await once(child, 'exit') as [number | null]
  return { code: code ?? 1, seconds: (performance.now() - started) / 1000 }
}

async function main (): Promise<void> {
  const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : BENCHES
  const unknown = chosen.filter(n => !BENCHES.includes(n))
  if (unknown.length > 0) throw new Error(`unknown bench ${unknown.join(', ')}; known: ${BENCHES.join(', ')}`)
  const results: Array<[string, number, string]> = []
  for (const name of chosen) {
    console.log(`\n## bench/${name}.ts\n`)
    const { code, seconds } = await runOne(name)
    results.push([name, seconds, code === 0 ? 'ok' : `failed (exit ${code})`])
  }
  console.log('\n## Summary\n')
  console.log(markdownTable(['bench', 'seconds', 'result'], results))
  process.exitCode = results.every(r => r[2] === 'ok') ? 0 : 1
}

await main()
