// The store opened in-process, from the same configuration the server reads (DATABASE_URL,
// MODEL_PATH): no server needed, and the same validation and batching as the HTTP import. The
// store is opened only once the route is known to the model, so a mistyped route or a missing
// MODEL_PATH touches no store and no file.
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { Transform } from 'node:stream'
import split2 from 'split2'
import type { Config } from '../config.js'
import { importNdjson } from '../entities/import-ndjson.js'
import { parseQuery } from '../entities/query.js'
import type { EntityMetadata } from '../metadata/types.js'
import { loadModel } from '../model/load-model.js'
import { buildMetadata, Relata, storeEntities } from '../relata.js'
import { sampleModel } from '../sample/sample-model.js'
import { openStore } from '../store/open-store.js'
import type { Doc } from '../store/store.js'
import type { Progress } from './progress.js'
import { CliError, type Target } from './target.js'

const EXPORT_BATCH = 500

export async function openLocal (config: Config): Promise<Target> {
  const metadata = buildMetadata(config.MODEL_PATH === undefined ? sampleModel : await loadModel(config.MODEL_PATH))
  let opened: Promise<Relata> | undefined
  const relata = async () => await (opened ??= openRelata())

  async function openRelata (): Promise<Relata> {
    const store = await openStore(config.DATABASE_URL, { entities: storeEntities(metadata) })
    const limits = {
      childLimit: config.CHILD_LIMIT,
      maxBulk: config.MAX_BULK,
      rowBudget: config.ROW_BUDGET,
      countLimit: config.COUNT_LIMIT
    }
    return new Relata(metadata, store, limits)
  }

  function entity (route: string): EntityMetadata {
    const meta = metadata.byRoute(route)
    if (meta !== undefined) return meta
    const model = config.MODEL_PATH === undefined
      ? 'the sample model (MODEL_PATH is not set)'
      : `the model ${config.MODEL_PATH}`
    const routes = metadata.all().map(e => e.route).join(', ')
    throw new CliError(`no entity has the route '${route}' in ${model}; its routes are ${routes}`)
  }

  /** Writes `batches` as NDJSON with progress; resolves with the count. */
  async function write (batches: AsyncIterable<readonly unknown[]>, out: Writable, bar: Progress): Promise<number> {
    let rows = 0
    for await (const batch of batches) {
      let text = ''
      for (const doc of batch) text += JSON.stringify(doc) + '\n'
      rows += batch.length
      if (!out.write(text)) await once(out, 'drain')
      bar.update(rows)
    }
    bar.finish(`exported ${rows} documents`)
    return rows
  }

  return {
    async checkRoute (route) {
      entity(route)
    },

    async import (route, source, batchSize, progress) {
      const api = (await relata()).entity(entity(route).name)
      const bar = progress(source.size)
      let bytes = 0
      const counter = new Transform({
        transform (chunk: Buffer, _encoding, done) {
          bytes += chunk.length
          done(null, chunk)
        }
      })
      source.stream.on('error', error => counter.destroy(error))
      const lines = source.stream.pipe(counter).pipe(split2({ maxLength: config.BODY_LIMIT }))
      counter.on('error', error => lines.destroy(error))
      const report = await importNdjson(api, lines, {
        batchSize: Math.min(batchSize, config.MAX_BULK),
        onBatch: r => bar.update(r.lines, source.size === undefined ? r.lines : bytes)
      })
      bar.finish(`stored ${report.stored}, rejected ${report.rejected} of ${report.lines} lines`)
      return report
    },

    async export (route, query, out, progress) {
      const meta = entity(route)
      if (query.full === true && query.with !== undefined) {
        throw new CliError('--full exports the stored documents as they are: drop --with')
      }
      const parsed = parseQuery(meta, query, metadata)
      const { store, api } = await relata().then(r => ({ store: r.store, api: r.entity(meta.name) }))
      const { total } = await api.list({ ...parsed, selection: undefined, page: 1, size: 1, total: 'exact' })
      const bar = progress(total) // exact: the export reads every match anyway
      if (query.full !== true) return await write(api.stream({ ...parsed, batchSize: EXPORT_BATCH }), out, bar)
      // the store itself, not the EntityApi: hidden properties (x-internal, writeOnly) included
      const filter = parsed.filter === undefined ? {} : { filter: parsed.filter }
      const docs: AsyncIterable<Doc[]> = store.stream(meta.name, { ...filter, batchSize: EXPORT_BATCH })
      return await write(docs, out, bar)
    },

    async close () {
      // a store that failed to open has nothing to close; its error was reported already
      const open = await opened?.catch(() => undefined)
      await open?.close()
    }
  }
}
