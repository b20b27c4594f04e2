// IdentityMemo finds a value again by the identity of the objects it was made of: the same
// objects find it, equal but other objects do not, a part paired with other parts makes its own
// value, names keep theirs apart, and at most `max` values per name are kept.
import t from 'tap'
import { IdentityMemo } from '../../src/store/identity-memo.js'

t.test('the same objects find the value made for them; others make their own', async t => {
  const memo = new IdentityMemo<string>(10)
  let made = 0
  const make = (label: string) => () => `${label}${++made}`
  const selection = { parents: [] }
  const children = { Review: { limit: 1 } }
  const first = memo.of('Book', [selection, children, undefined], make('a'))
  t.equal(memo.of('Book', [selection, children, undefined], make('b')), first, 'found again')
  t.equal(made, 1)
  t.not(memo.of('Book', [selection, { Review: { limit: 1 } }, undefined], make('c')), first,
    'equal objects are other objects')
  t.not(memo.of('Book', [{ parents: [] }, children, undefined], make('d')), first,
    'the last object paired with another part: a value of its own')
  t.not(memo.of('Author', [selection, children, undefined], make('e')), first, 'another name')
  const none = memo.of('Book', [undefined, undefined], make('f'))
  t.equal(memo.of('Book', [undefined, undefined], make('g')), none, 'no object at all is a tuple too')
})

t.test('at most max values per name are kept, the least recently used going first', async t => {
  const memo = new IdentityMemo<number>(2)
  const [a, b, c] = [{}, {}, {}]
  let made = 0
  const make = () => ++made
  memo.of('x', [a], make)
  memo.of('x', [b], make)
  memo.of('x', [a], make)
  memo.of('x', [c], make)
  t.equal(made, 3)
  t.equal(memo.of('x', [a], make), 1, 'a was used last: kept')
  t.equal(memo.of('x', [b], make), 4, 'b went: made again')
})
