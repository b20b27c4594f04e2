// Answers written from stored text against the general path, byte for byte, on every store: the
// sample shop (parents, children, paths, depth, child limits and orders, fields, counts, cursors,
// normalized shape). The generator and the check are in test/support/text-answers.ts.
import t from 'tap'
import { sampleModel } from '../../src/sample/sample-model.js'
import { compareAll, SAMPLE, STORES } from '../support/text-answers.js'

for (const url of STORES) {
  t.test(`the sample shop on ${url}: answers from text are the general path's bytes`, async t => {
    await compareAll(t, url, sampleModel, SAMPLE, 15)
  })
}
