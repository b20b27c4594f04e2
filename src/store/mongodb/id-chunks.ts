// Splits a list of ids into the `$in` lists of several commands. MongoDB refuses a command
// document past 16 MiB, and an `$in` of 500,000 ids (which the row budget allows) is about
// 18.5 MiB: lists are cut by their encoded size, as well as by count.
/** Encoded bytes of the ids of one `$in`: leaves room under 16 MiB for the rest of a pipeline. */
export const MAX_ID_BYTES = 6 * 1024 * 1024

/**
 * Bytes of one element of a BSON array: type, decimal index key and NUL, then a string's length,
 * UTF-8 bytes and NUL, or a number's 8 bytes (at most).
 */
function elementSize (value: string | number, index: number): number {
  const head = 1 + String(index).length + 1
  return head + (typeof value === 'number' ? 8 : 4 + Buffer.byteLength(value, 'utf8') + 1)
}

/**
 * The ids, or key values, (duplicates dropped) in lists of at most `maxCount` ids and `maxBytes` encoded bytes;
 * an empty list is still one (empty) list, so that round trips count the same in every store.
 */
export function idChunks<T extends string | number> (ids: readonly T[], maxCount: number,
  maxBytes = MAX_ID_BYTES): T[][] {
  const result: T[][] = []
  let chunk: T[] = []
  let bytes = 0
  for (const id of new Set(ids)) {
    const size = elementSize(id, chunk.length)
    if (chunk.length > 0 && (chunk.length >= maxCount || bytes + size > maxBytes)) {
      result.push(chunk)
      chunk = []
      bytes = 0
    }
    chunk.push(id)
    bytes += elementSize(id, chunk.length - 1)
  }
  result.push(chunk)
  return result
}
