// Splits a list of ids into the `$in` lists of several commands. MongoDB refuses a command
// document past 16 MiB, and an `$in` of 500,000 ids (which the row budget allows) is about
// 18.5 MiB: lists are cut by their encoded size, as well as by count.
/** Encoded bytes of the ids of one `$in`: leaves room under 16 MiB for the rest of a pipeline. */
export const MAX_ID_BYTES = 6 * 1024 * 1024

/** Bytes of one string element of a BSON array: type, decimal index key and NUL, length, UTF-8 bytes, NUL. */
function elementSize (id: string, index: number): number {
  return 1 + String(index).length + 1 + 4 + Buffer.byteLength(id, 'utf8') + 1
}

/**
 * The ids (duplicates dropped) in lists of at most `maxCount` ids and `maxBytes` encoded bytes;
 * an empty list is still one (empty) list, so that round trips count the same in every store.
 */
export function idChunks (ids: readonly string[], maxCount: number, maxBytes = MAX_ID_BYTES): string[][] {
  const result: string[][] = []
  let chunk: string[] = []
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
