// The process entry point: reads the environment, builds the app, listens, and shuts down
// gracefully on SIGTERM/SIGINT. The only file that touches process.env or calls listen.
import closeWithGrace from 'close-with-grace'
import { loadConfig } from '../src/config.js'
import { RelataError } from '../src/errors.js'
import { buildApp } from './app.js'

async function main (): Promise<void> {
  const config = loadConfig(process.env)
  const app = await buildApp(config)
  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS }, async function closeApp ({ err, signal }) {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })
  await app.listen({ port: config.PORT, host: config.HOST })
}

main().catch(err => {
  // Configuration and model errors already name the culprit; print them without a stack.
  console.error(err instanceof RelataError ? `relata: ${err.message}` : err)
  process.exit(1)
})
