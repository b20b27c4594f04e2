import t from 'tap'
import { importNdjson, type ImportReport } from '../../../src/entities/import-ndjson.js'
import { build } from '../../helper.js'

t.test('rejections beyond the limit are counted, not listed; progress is reported per batch', async t => {
  const app = await build(t)
  const lines = [
    'bad',
    'bad',
    'bad',
    '{"id":"a","name":"A","email":"a@example.com"}',
    '{"id":"b","name":"B","email":"b@example.com"}'
  ]
  const progress: number[] = []
  const report: ImportReport = await importNdjson(app.relata.entity('Customer'), lines, {
    batchSize: 1,
    maxRejections: 2,
    onBatch: r => progress.push(r.stored)
  })
  t.match(report, { lines: 5, stored: 2, rejected: 3, rejectionsTruncated: true })
  t.equal(report.rejections.length, 2)
  t.same(progress, [1, 2])
})

t.test('Buffers are read as text', async t => {
  const app = await build(t)
  const report = await importNdjson(
    app.relata.entity('Customer'),
    [Buffer.from('{"id":"a","name":"A","email":"a@example.com"}')],
    { batchSize: 10 }
  )
  t.equal(report.stored, 1)
})
