import t from 'tap'
import { Progress } from '../../../src/cli/progress.js'

function terminal (isTTY: boolean) {
  const writes: string[] = []
  return { writes, out: { isTTY, columns: 60, write: (text: string) => writes.push(text) } }
}

t.test('on a terminal: one line redrawn with bar, rows/s and ETA, at most every 100 ms', async t => {
  const { writes, out } = terminal(true)
  let now = 0
  const bar = new Progress(out, 'import orders', { total: 1000, now: () => now })
  now = 2000
  bar.update(500, 250)
  t.equal(writes.length, 1)
  t.equal(
    writes[0],
    '\r\x1b[K' + 'import orders [######------------------] 25%  ETA 6s  500 rows  250 rows/s'.slice(0, 59),
    'cut to the terminal width'
  )
  now = 2050
  bar.update(600, 300)
  t.equal(writes.length, 1, 'not redrawn within the interval')
  now = 4000
  bar.update(1000, 500)
  // eslint-disable-next-line no-control-regex -- the ANSI erase-line escape is what a terminal gets
  t.match(writes[1], /^\r\x1b\[Kimport orders \[#{12}-{12}\] 50%/)
  now = 125_000
  bar.finish('stored 1000')
  t.equal(writes[2], '\r\x1b[Kimport orders: stored 1000 in 2m05s\n')
})

t.test('elsewhere: plain lines every 2 s with percentage and ETA', async t => {
  const { writes, out } = terminal(false)
  let now = 0
  const bar = new Progress(out, 'export orders', { total: 100, now: () => now })
  now = 1000
  bar.update(10)
  now = 1500
  bar.update(20)
  now = 3000
  bar.update(0)
  t.same(writes, ['export orders: 10%, ETA 9s, 10 rows, 10 rows/s\n', 'export orders: 0%, ETA ?, 0 rows, 0 rows/s\n'])
  now = 3 * 3600_000 + 120_000
  bar.finish('exported 100 documents')
  t.equal(writes[2], 'export orders: exported 100 documents in 3h02m\n')
})

t.test('without a total: rows and rate only; a zero total counts as unknown', async t => {
  const { writes, out } = terminal(true)
  const bar = new Progress(out, 'import x', { total: 0, now: () => 0 })
  bar.update(5)
  t.equal(writes[0], '\r\x1b[Kimport x 5 rows  0 rows/s')
  const plain = terminal(false)
  new Progress(plain.out, 'y').update(1)
  t.match(plain.writes[0], /^y: 1 rows, [\d,]+ rows\/s\n$/)
})
