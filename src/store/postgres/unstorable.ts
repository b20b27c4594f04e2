// What PostgreSQL's jsonb refuses although JSON allows it: the character U+0000 and unpaired
// UTF-16 surrogates, in strings or keys. Found only after the server refused a batch, to name
// the document and the property at fault.
import { rejectDoc } from '../documents.js'
import type { Doc } from '../store.js'

// U+0000 is the point here, not a typo
// eslint-disable-next-line no-control-regex
const REFUSED = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** The JSON pointer of the first refused string or key in `value`, if any. */
function refusedPath (value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return REFUSED.test(value) ? path : undefined
  if (typeof value !== 'object' || value === null) return undefined
  for (const [key, inner] of Object.entries(value)) {
    const at = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
    if (REFUSED.test(key)) return at
    const found = refusedPath(inner, at)
    if (found !== undefined) return found
  }
  return undefined
}

/** Throws the BadRequestError naming the first document jsonb cannot hold, if there is one. */
export function rejectUnstorable (docs: readonly Doc[]): void {
  docs.forEach(function check (doc, index) {
    const path = refusedPath(doc, '')
    if (path === undefined) return
    rejectDoc(index, path, 'PostgreSQL cannot store the character U+0000 or an unpaired surrogate')
  })
}
