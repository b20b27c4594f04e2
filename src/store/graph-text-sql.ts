// What the SQL stores that build graphs themselves (graph-plan.ts) share: the layout of one
// graph's JSON text as a single SQL expression, byte for byte what JSON.stringify writes for the
// batched builder's graph. Each store says how it reads a parent, a child list, its page and a
// count (PostgreSQL with LATERAL joins, SQLite with correlated subqueries) and how it concatenates
// text; the keys, braces and commas around them are written here once, adjacent ones as one literal.
import type { GraphPlan } from './graph-plan.js'

/** A constant JSON text (a key from the model) as an SQL string literal. */
export function literal (json: string): string {
  return `'${json.replaceAll("'", "''")}'`
}

/** A piece of a text written in SQL: constant text as it is, or `{ sql }` an SQL expression of text. */
export type TextPiece = string | { readonly sql: string }

/** How a store writes the concatenation of two or more SQL text expressions. */
export type Concat = (expressions: readonly string[]) => string

/** `a || b || c`: standard SQL, PostgreSQL's way. */
export const pipes: Concat = expressions => expressions.join(' || ')

export function sql (expression: string): TextPiece {
  return { sql: expression }
}

/** The pieces as one SQL text expression; constant text in a row is one literal. */
export function textSql (pieces: readonly TextPiece[], concat: Concat): string {
  const expressions: string[] = []
  let constant = ''
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      constant += piece
      continue
    }
    if (constant !== '') expressions.push(literal(constant))
    constant = ''
    expressions.push(piece.sql)
  }
  if (constant !== '' || expressions.length === 0) expressions.push(literal(constant))
  return expressions.length === 1 ? expressions[0]! : concat(expressions)
}

/** Lists of pieces with a comma between them: the members of one JSON object. */
function commaSeparated (members: ReadonlyArray<readonly TextPiece[]>): TextPiece[] {
  return members.flatMap((member, i) => i === 0 ? member : [',', ...member])
}

/** The SQL expressions of one graph's parts, in the plan's order. */
export interface GraphTextParts {
  /** The entity's JSON text. */
  doc: string
  /** Per `plan.parents`: the parent's JSON text, NULL when there is none. */
  parents: readonly string[]
  /** Per `plan.children`: the list's JSON array and its page in `meta.children` (childPagePieces). */
  lists: ReadonlyArray<{ text: readonly TextPiece[], page: readonly TextPiece[] }>
  /** Per `plan.counts`: how many children the relationship has. */
  counts: readonly string[]
}

/** `{"entity":…,"parents":{…},"children":{…},"meta":{"children":{…}}}`, `meta` only when there are pages. */
export function graphTextSql (plan: GraphPlan, parts: GraphTextParts, concat: Concat = pipes): string {
  const key = (name: string): string => `${JSON.stringify(name)}:`
  const parents = plan.parents.map((edge, i) => [key(edge.property), sql(`coalesce(${parts.parents[i]!}, 'null')`)])
  // grouped by child entity, in order of first appearance, as the batched builder fills them
  const lists = new Map<string, TextPiece[][]>()
  const pages: TextPiece[][] = []
  plan.children.forEach((edge, i) => {
    const list = parts.lists[i]!
    let group = lists.get(edge.child)
    if (group === undefined) lists.set(edge.child, group = [])
    group.push([key(edge.property), ...list.text])
    pages.push([key(edge.key), ...list.page])
  })
  plan.counts.forEach((edge, i) => {
    pages.push([`${key(edge.key)}{"total":`, sql(parts.counts[i]!), ',"returned":0}'])
  })
  const children = [...lists].map(([child, group]) => [`${key(child)}{`, ...commaSeparated(group), '}'])
  const meta = pages.length === 0 ? [] : [',"meta":{"children":{', ...commaSeparated(pages), '}}']
  return textSql(['{"entity":', sql(parts.doc), ',"parents":{', ...commaSeparated(parents), '},"children":{',
    ...commaSeparated(children), '}', ...meta, '}'], concat)
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
export function childPagePieces (page: ChildPageParts, concat: Concat = pipes): TextPiece[] {
  const held = page.held === undefined ? [] : [',"held":', sql(`coalesce(${page.held}, 'null')`)]
  const cut = textSql([page.mark ?? '', ',"last":', sql(`coalesce(${page.last}, 'null')`), ...held], concat)
  return ['{"total":', sql(page.total), ',"returned":', sql(page.returned),
    sql(`CASE WHEN ${page.cut} THEN ${cut} ELSE '' END`), '}']
}
