// Writes openapi/openapi.json (the OpenAPI document of the sample model, as the server serves
// it at /openapi.json) and openapi/schema.d.ts (its TypeScript types, for openapi/client.ts).
// Tests fail when the committed files drift from the code.
import { writeFile } from 'node:fs/promises'
import { buildApp } from '../plugins/app.js'
import { loadConfig } from '../src/config.js'
import { specTypes } from './spec-types.js'

const app = await buildApp(loadConfig({ DATABASE_URL: 'memory:', SEED: 'false', LOG_LEVEL: 'silent' }), {
  logger: false
})
const spec = (await app.inject('/openapi.json')).json()
await app.close()
for (const [file, text] of [
  ['openapi.json', JSON.stringify(spec, null, 2) + '\n'],
  ['schema.d.ts', await specTypes(spec)]
] as const) {
  const target = new URL(`./${file}`, import.meta.url)
  await writeFile(target, text)
  console.log(`wrote ${target.pathname}`)
}
