// What the SQL stores that build graphs themselves (graph-plan.ts) share: the layout of one
// graph's JSON text as a single SQL expression concatenated with `||`, byte for byte what
// JSON.stringify writes for the batched builder's graph. Each store says how it reads a parent,
// a child list, its page and a count (PostgreSQL with LATERAL joins, SQLite with correlated
// subqueries); the keys, braces and commas around them are written here once.
import type { GraphPlan } from './graph-plan.js'

/** A constant JSON text (a key from the model) as an SQL string literal. */
export function literal (json: string): string {
  return `'${json.replaceAll("'", "''")}'`
}

/** `"name":` as an SQL string literal. */
function keyLiteral (name: string): string {
  return literal(`${JSON.stringify(name)}:`)
}

/** Parts of one JSON object, comma-separated; none makes an empty text. */
function joined (parts: readonly string[]): string {
  return parts.length === 0 ? "''" : parts.join(" || ',' || ")
}

/** The SQL expressions of one graph's parts, in the plan's order. */
export interface GraphTextParts {
  /** The entity's JSON text. */
  doc: string
  /** Per `plan.parents`: the parent's JSON text, NULL when there is none. */
  parents: readonly string[]
  /** Per `plan.children`: the list's JSON array and its page in `meta.children` (childPageSql). */
  lists: ReadonlyArray<{ text: string, page: string }>
  /** Per `plan.counts`: how many children the relationship has. */
  counts: readonly string[]
}

/** `{"entity":…,"parents":{…},"children":{…},"meta":{"children":{…}}}`, `meta` only when there are pages. */
export function graphTextSql (plan: GraphPlan, parts: GraphTextParts): string {
  const parents = plan.parents.map((edge, i) =>
    `${keyLiteral(edge.property)} || coalesce(${parts.parents[i]!}, 'null')`)
  // grouped by child entity, in order of first appearance, as the batched builder fills them
  const lists = new Map<string, string[]>()
  const pages: string[] = []
  plan.children.forEach((edge, i) => {
    const list = parts.lists[i]!
    let group = lists.get(edge.child)
    if (group === undefined) lists.set(edge.child, group = [])
    group.push(`${keyLiteral(edge.property)} || ${list.text}`)
    pages.push(`${keyLiteral(edge.key)} || ${list.page}`)
  })
  plan.counts.forEach((edge, i) => {
    pages.push(`${literal(`${JSON.stringify(edge.key)}:{"total":`)} || ${parts.counts[i]!} || ',"returned":0}'`)
  })
  const children = [...lists].map(([child, group]) => `${keyLiteral(child)} || '{' || ${joined(group)} || '}'`)
  const meta = pages.length === 0 ? '' : ` || ',"meta":{"children":{' || ${joined(pages)} || '}}'`
  return `'{"entity":' || ${parts.doc} || ',"parents":{' || ${joined(parents)} || ` +
    `'},"children":{' || ${joined(children)} || '}'${meta} || '}'`
}

/** The SQL expressions of a child list's page. */
export interface ChildPageParts {
  total: string
  returned: string
  /** True when the list holds fewer children than `total`. */
  cut: string
  /** The last child of a cut list as JSON text (hidden properties removed); NULL for an empty list. */
  last: string
  /** Through a key, the parent's value of it as JSON text (NULL when it has none); absent by id. */
  held?: string
  /** Written before `"last"` (SQLite marks cut lists in the text itself: a character JSON never holds raw). */
  mark?: string
}

/**
 * `{"total":…,"returned":…}`, and for a cut list `"last":` its last child and, through a key,
 * `"held":` the parent's value of it, which GraphTexts turns into the `next` link.
 */
export function childPageSql (page: ChildPageParts): string {
  const held = page.held === undefined ? '' : ` || ',"held":' || coalesce(${page.held}, 'null')`
  const mark = page.mark === undefined ? '' : `${page.mark} || `
  return `'{"total":' || ${page.total} || ',"returned":' || ${page.returned} || ` +
    `CASE WHEN ${page.cut} THEN ${mark}',"last":' || coalesce(${page.last}, 'null')${held} ELSE '' END || '}'`
}
