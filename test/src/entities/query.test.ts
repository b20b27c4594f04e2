import t from 'tap'
import { parseQuery } from '../../../src/entities/query.js'
import { BadRequestError } from '../../../src/errors.js'
import { buildMetadata } from '../../../src/relata.js'
import { libraryModel } from '../../library-model.js'

const metadata = buildMetadata(libraryModel)
const book = metadata.entity('Book')

t.test('child limits and sorts from text, as the command line passes them', async t => {
  const parsed = parseQuery(book, { with: 'Review', 'limit[Review]': '2', 'sort[Review]': '-stars' } as never, metadata)
  t.same(parsed.children, { Review: { limit: 2, sort: [{ field: 'stars', desc: true }] } })
  t.equal(parseQuery(book, { with: 'Review', 'limit[Review]': '' } as never).children, undefined, 'empty values are absent')
  t.throws(() => parseQuery(book, { with: 'Review', 'limit[Review]': '1.5' } as never), BadRequestError)
  t.throws(() => parseQuery(book, { with: 'Review', 'sort[Review]': 'stars' } as never), /needs the model/, 'without the model a child sort cannot be checked')
})
