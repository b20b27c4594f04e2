// Owns the healer of parked records (see src/integrity/healer.ts) when the model has `park`
// relationships: a sweep at start-up and every HEAL_INTERVAL_MS, a look at the records waiting on
// the ids of each write of their parents, and metrics for all of them. The timer is cleared and the running pass
// awaited on close.
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram } from 'prom-client'
import type { Config } from '../src/config.js'
import { Healer, type PassReport } from '../src/integrity/healer.js'
import { parkingEntities } from '../src/integrity/parked.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Null when no relationship of the model parks. */
    healer: Healer | null
  }
}

export interface HealerPluginOptions {
  config: Pick<Config, 'HEAL_INTERVAL_MS' | 'HEAL_BATCH_SIZE' | 'PARKED_MAX_AGE_MS' | 'HEAL_NOTIFY'>
}

export default fp<HealerPluginOptions>(async function healerPlugin (app, { config }) {
  const entities = parkingEntities(app.relata.metadata).map(meta => meta.name)
  if (entities.length === 0) {
    app.decorate('healer', null)
    return
  }
  // every metric in the app's registry; the counts per entity labelled with its name
  const registers = [app.metrics.registry]
  const perEntity = (name: string, help: string) => ({ name, help, labelNames: ['entity'] as const, registers })
  const inBuckets = (name: string, help: string, buckets: number[]) => ({ name, help, buckets, registers })
  const parked = new Gauge(perEntity('relata_parked_records',
    'Records parked for a missing parent, per entity (as of the last heal pass and the parks since)'))
  const overdue = new Gauge(perEntity('relata_parked_overdue_records',
    'Parked records older than PARKED_MAX_AGE_MS at the last heal pass, per entity'))
  const healed = new Counter(perEntity('relata_healed_total',
    'Parked records healed (stored in their entity), per entity'))
  const passSeconds = new Histogram(inBuckets('relata_heal_pass_seconds', 'Duration of heal passes',
    [0.001, 0.01, 0.1, 0.5, 1, 5, 30]))
  const conflicts = new Counter(perEntity('relata_heal_conflicts_total',
    'Parked records left parked because they would break a unique key of their entity, per entity'))
  const batchSizes = new Histogram(inBuckets('relata_heal_batch_size', 'Parked records read per heal batch',
    [1, 10, 50, 100, 500, 1000, 5000]))
  for (const entity of entities) {
    parked.labels(entity).set(0)
    healed.labels(entity).inc(0)
    conflicts.labels(entity).inc(0)
  }

  function onPass (report: PassReport): void {
    passSeconds.observe(report.durationMs / 1000)
    for (const [entity, count] of report.waiting) parked.labels(entity).set(count)
    let late = 0
    for (const [entity, count] of report.overdue) {
      overdue.labels(entity).set(count)
      late += count
    }
    if (late > 0) {
      app.log.warn(
        { overdue: Object.fromEntries(report.overdue) },
        `${late} parked records have waited longer than ${config.PARKED_MAX_AGE_MS} ms for their parents`
      )
    }
    if (report.healed > 0) {
      app.log.info({ healed: report.healed, ms: Math.round(report.durationMs) }, 'healed parked records')
    }
  }

  const healer = new Healer(app.relata.metadata, app.relata.store, {
    batchSize: config.HEAL_BATCH_SIZE,
    maxAgeMs: config.PARKED_MAX_AGE_MS,
    observer: {
      batch (entity, size, count) {
        batchSizes.observe(size)
        healed.labels(entity).inc(count)
        // a sweep sets the gauge when it ends; healing on a write only takes the healed off
        parked.labels(entity).dec(count)
      },
      conflict (entity, id, error) {
        conflicts.labels(entity).inc()
        const why = error.errors[0]!.message
        const key = error.key.join(', ')
        app.log.warn({ entity, id }, `parked ${entity} '${id}' stays parked: ${why} (unique key ${key})`)
      },
      pass: onPass
    }
  })
  // Background passes fail like any store call (503 for a request); the next one retries.
  const background = (passes: Promise<number> | undefined): void => {
    passes?.catch(function healFailed (error: unknown) {
      app.log.warn({ err: error }, 'healing parked records failed; the next pass retries')
    })
  }
  // other instances on the same database hear of the parents stored here, and this one of theirs
  const broadcast = config.HEAL_NOTIFY === 'true' ? app.relata.store.broadcast : undefined
  const tell = (entity: string, ids: readonly string[]): void => {
    broadcast?.stored(entity, ids).catch(function notifyFailed (error: unknown) {
      app.log.warn({ err: error }, 'telling the other instances of a write failed; their sweeps heal it')
    })
  }
  app.relata.onIntegrityEvents({
    stored: (entity, docs) => {
      background(healer.stored(entity, docs))
      tell(entity, docs.map(doc => doc.id))
    },
    linked: (entity, ids) => {
      background(healer.poke(entity, ids))
      tell(entity, ids)
    },
    parked: (entity, count) => {
      healer.parked(entity, count)
      parked.labels(entity).inc(count)
    }
  })
  app.decorate('healer', healer)

  let timer: NodeJS.Timeout | undefined
  app.addHook('onReady', async function startHealing () {
    await broadcast?.listen((entity, ids) => background(healer.poke(entity, ids))).catch(function listenFailed (error) {
      app.log.warn({ err: error }, 'listening to the other instances failed; retrying every second')
    })
    background(healer.run())
    if (config.HEAL_INTERVAL_MS > 0) {
      timer = setInterval(() => background(healer.run()), config.HEAL_INTERVAL_MS)
      timer.unref()
    }
  })
  app.addHook('onClose', async function stopHealing () {
    clearInterval(timer)
    await healer.stop()
  })
}, { name: 'relata-healer', dependencies: ['relata', 'relata-metrics'], fastify: '5.x' })
