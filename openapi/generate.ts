// Writes openapi/openapi.json: the OpenAPI document of the sample model, as the server
// serves it at /openapi.json. A test fails when the committed file drifts from the code.
import { writeFile } from 'node:fs/promises'
import { buildApp } from '../plugins/app.js'
import { loadConfig } from '../src/config.js'

const app = await buildApp(loadConfig({ DATABASE_URL: 'memory:', SEED: 'false', LOG_LEVEL: 'silent' }), { logger: false })
const spec = await app.inject('/openapi.json')
await app.close()
const target = new URL('./openapi.json', import.meta.url)
await writeFile(target, JSON.stringify(spec.json(), null, 2) + '\n')
console.log(`wrote ${target.pathname}`)
