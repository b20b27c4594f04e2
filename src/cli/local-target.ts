// The store opened in-process, from the same configuration the server reads (DATABASE_URL,
// MODEL_PATH): no server needed, and the same validation and batching as the HTTP import.
import { once } from 'node:events'
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
import { CliError, type Target } from './target.js'

export async function openLocal (config: Config): Promise<Target> {
  const metadata = buildMetadata(config.MODEL_PATH === undefined ? sampleModel : await loadModel(config.MODEL_PATH))
  const store = await openStore(config.DATABASE_URL, { entities: storeEntities(metadata) })
  const relata = new Relata(metadata, store, { childLimit: config.CHILD_LIMIT, maxBulk: config.MAX_BULK, rowBudget: config.ROW_BUDGET })

  function entity (route: string): EntityMetadata {
    const meta = metadata.byRoute(route)
    if (meta === undefined) throw new CliError(`no entity has the route '${route}'; the model has ${metadata.all().map(e => e.route).join(', ')}`)
    return meta
  }

  return {
    async import (route, source, batchSize, progress) {
      const api = relata.entity(entity(route).name)
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
      const api = relata.entity(meta.name)
      const parsed = parseQuery(meta, query)
      const { total } = await api.list({ ...parsed, selection: undefined, page: 1, size: 1 })
      const bar = progress(total)
      let rows = 0
      for await (const batch of api.stream({ ...parsed, batchSize: 500 })) {
        let text = ''
        for (const doc of batch) text += JSON.stringify(doc) + '\n'
        rows += batch.length
        if (!out.write(text)) await once(out, 'drain')
        bar.update(rows)
      }
      bar.finish(`exported ${rows} documents`)
      return rows
    },

    async close () {
      await relata.close()
    }
  }
}
