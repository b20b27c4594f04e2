// Opens the store named by the configuration, builds the library around it and decorates the
// app with it; closes the store when the app closes. A store that cannot be opened stops
// start-up with the store's own message.
import fp from 'fastify-plugin'
import type { Config } from '../src/config.js'
import type { RelationshipMetadata } from '../src/metadata/relationship-metadata.js'
import { Relata, storeEntities } from '../src/relata.js'
import { seedSampleData } from '../src/sample/seed.js'
import { openStore } from '../src/store/open-store.js'
import type { Store, StoreOptions } from '../src/store/store.js'
import { withTimeout } from '../src/store/timeout-store.js'
import { childPageLink } from '../src/graph/child-page-link.js'
import { DEFAULT_PAGE_SIZE } from '../src/entities/query.js'

declare module 'fastify' {
  interface FastifyInstance {
    relata: Relata
  }
}

export interface RelataPluginOptions {
  config: Config
  metadata: RelationshipMetadata
  /** Seed the sample shop into an empty store. */
  seed: boolean
  /** Opens the store; tests pass one to inject faults or a stand-in driver. */
  openStore?: (url: string, options: StoreOptions) => Promise<Store>
  /** Round trips counted in the metrics; only bench/hooks.ts turns it off, to measure its cost. */
  counted?: boolean
  /** Store calls bounded by STORE_TIMEOUT_MS; only bench/hooks.ts turns it off. */
  bounded?: boolean
}

export default fp<RelataPluginOptions>(async function relataPlugin (app, options) {
  const open = options.openStore ?? openStore
  const timeoutMs = options.config.STORE_TIMEOUT_MS
  const opened = await open(options.config.DATABASE_URL, {
    entities: storeEntities(options.metadata),
    ...(options.counted === false ? {} : { onQuery: app.metrics.countQuery }),
    timeoutMs,
    poolSize: options.config.PG_POOL_SIZE,
    log: app.log
  })
  const store = options.bounded === false ? opened : withTimeout(opened, timeoutMs)
  const relata = new Relata(options.metadata, store, {
    childLimit: options.config.CHILD_LIMIT,
    rowBudget: options.config.ROW_BUDGET,
    maxBulk: options.config.MAX_BULK,
    countLimit: options.config.COUNT_LIMIT,
    requireIndexed: options.config.REQUIRE_INDEXED_QUERIES === 'true',
    childPageLink: childPageLink(options.metadata, DEFAULT_PAGE_SIZE),
    storeGraphs: options.config.GRAPHS_IN_STORE === 'true'
  })
  app.decorate('relata', relata)
  app.addHook('onClose', async function closeStore () {
    await relata.close()
  })
  if (options.seed && await seedSampleData(store)) app.log.info('seeded the sample shop into an empty store')
}, { name: 'relata', dependencies: ['relata-metrics'], fastify: '5.x' })
