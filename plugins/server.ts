// The process entry point: reads the environment, builds the app, listens, and shuts down
// gracefully on SIGTERM/SIGINT. The only file that touches process.env or calls listen.
// first, so that its tick object is pinned before the rest loads (tick-object-maps.ts says why)
import './tick-object-maps.js'
import closeWithGrace from 'close-with-grace'
import { loadConfig } from '../src/config.js'
import { RelataError } from '../src/errors.js'
import { buildApp } from './app.js'

/**
 * SIGTERM or SIGINT before the app is built (a big SQLite file's index builds can take minutes)
 * stops the process at once: nothing listens yet, and an index build's transaction is rolled back.
 * Node's default action would too, except as a container's PID 1, which ignores such signals
 * unless it has a handler.
 */
function stopDuringStartUp (signal: NodeJS.Signals): void {
  console.error(`relata: ${signal} during start-up: stopped before listening`)
  process.exit(0)
}

async function main (): Promise<void> {
  const config = loadConfig(process.env)
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, stopDuringStartUp)
  const app = await buildApp(config)
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.off(signal, stopDuringStartUp)
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
