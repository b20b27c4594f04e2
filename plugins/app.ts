// buildApp: the one factory that assembles the server from a configuration. It never listens;
// server.ts does, and tests call buildApp and use app.inject.
// first, so that its tick object is pinned before the rest loads (tick-object-maps.ts says why)
import './tick-object-maps.js'
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify'
import type { Config } from '../src/config.js'
import { loadModel } from '../src/model/load-model.js'
import type { ModelDefinition } from '../src/model/model.js'
import { buildMetadata } from '../src/relata.js'
import { sampleModel } from '../src/sample/sample-model.js'
import type { Store, StoreOptions } from '../src/store/store.js'
import docsModel from '../routes/docs-model.js'
import { registerEntityRoutes } from '../routes/entity-routes.js'
import { registerImportRoutes } from '../routes/import-route.js'
import { registerParkedRoutes } from '../routes/parked-routes.js'
import { registerLinkRoutes } from '../routes/link-routes.js'
import modelRoutes from '../routes/model-routes.js'
import systemRoutes from '../routes/system-routes.js'
import metricsPlugin from './metrics.js'
import openApiPlugin from './openapi.js'
import problemsPlugin, { handleFrameworkError } from './problems.js'
import bodiesPlugin from './bodies.js'
import queryParamsPlugin from './query-params.js'
import { AJV_OPTIONS } from '../routes/query-validator.js'
import securityPlugin from './security.js'
import { SecuredResponse } from './security-headers.js'
import authPlugin from './auth.js'
import { withRedaction } from './redact.js'
import relataPlugin from './relata.js'
import healerPlugin from './healer.js'
import closeConnectionsPlugin from './close-connections.js'
import compressionPlugin from './compression.js'

export interface BuildOptions {
  /** The model; defaults to MODEL_PATH's, else the sample shop. */
  model?: ModelDefinition
  logger?: FastifyServerOptions['logger']
  openStore?: (url: string, options: StoreOptions) => Promise<Store>
  /**
   * Parts of the request path left out, to measure what each costs (bench/hooks.ts): never set by
   * server.ts, so the server always runs with every part.
   */
  without?: ReadonlySet<MeasuredPart>
  /**
   * Routes of the embedding application, registered after Relata's and before the app is ready
   * (a Fastify app takes no routes once ready), with every hook and plugin of Relata's.
   */
  routes?: FastifyPluginAsync
}

/** The parts of the request path that bench/hooks.ts can leave out one at a time. */
export const MEASURED_PARTS = [
  'security-headers', 'validation', 'compression', 'close-connections', 'metrics', 'store-timeout'
] as const
export type MeasuredPart = typeof MEASURED_PARTS[number]

/** What the validation part leaves: values as they came, so only routes that take strings still answer. */
const unvalidated = () => () => true

export const VERSION = '0.1.0'

export async function buildApp (config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const model = options.model ?? (config.MODEL_PATH === undefined ? sampleModel : await loadModel(config.MODEL_PATH))
  const metadata = buildMetadata(model)
  const without = options.without ?? new Set<MeasuredPart>()
  const headers = !without.has('security-headers')
  const app = Fastify({
    logger: withRedaction(options.logger ?? { level: config.LOG_LEVEL }),
    bodyLimit: config.BODY_LIMIT,
    frameworkErrors: handleFrameworkError,
    ajv: AJV_OPTIONS,
    // ids may be as long as the id schema allows (256), so every stored document is addressable
    routerOptions: { maxParamLength: 256 },
    // the server's responses write the security headers themselves (security-headers.ts)
    ...(headers && SecuredResponse !== undefined ? { http: { ServerResponse: SecuredResponse } } : {})
  })
  // Routes build plain objects; JSON.stringify is as fast for them and keeps every property.
  app.setSerializerCompiler(() => data => JSON.stringify(data))
  if (without.has('validation')) app.setValidatorCompiler(unvalidated)
  try {
    await app.register(problemsPlugin)
    await app.register(bodiesPlugin)
    await app.register(queryParamsPlugin)
    if (!without.has('close-connections')) await app.register(closeConnectionsPlugin)
    if (!without.has('compression')) await app.register(compressionPlugin)
    await app.register(securityPlugin, { config, headers })
    await app.register(authPlugin, { apiKeys: config.API_KEYS, metadata })
    await app.register(metricsPlugin)
    await app.register(relataPlugin, {
      config,
      metadata,
      counted: !without.has('metrics'),
      bounded: !without.has('store-timeout'),
      seed:
        config.SEED === 'true' ||
        (config.SEED === 'auto' && options.model === undefined && config.MODEL_PATH === undefined),
      ...(options.openStore === undefined ? {} : { openStore: options.openStore })
    })
    await app.register(healerPlugin, { config })
    await app.register(openApiPlugin, { metadata, version: VERSION, secured: config.API_KEYS !== undefined })
    await app.register(systemRoutes)
    registerEntityRoutes(app, {
      streamBatchSize: config.STREAM_BATCH_SIZE,
      textAnswers: config.TEXT_ANSWERS === 'true'
    })
    registerImportRoutes(app, { maxBulk: config.MAX_BULK, maxLineBytes: config.BODY_LIMIT })
    registerParkedRoutes(app)
    registerLinkRoutes(app)
    await app.register(modelRoutes)
    await app.register(docsModel)
    if (options.routes !== undefined) await app.register(options.routes)
    await app.ready()
  } catch (err) {
    await app.close()
    throw err
  }
  return app
}
