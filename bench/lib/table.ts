// Formats rows as a GitHub-flavoured markdown table, numbers right-aligned.

export type Cell = string | number

export function markdownTable (headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const text = rows.map(row => row.map(cell => typeof cell === 'number' ? formatNumber(cell) : cell))
  const numeric = headers.map((_, c) => rows.length > 0 && rows.every(row => typeof row[c] === 'number'))
  const widths = headers.map((h, c) => Math.max(h.length, 3, ...text.map(row => (row[c] ?? '').length)))
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, c) => (numeric[c] === true ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join(' | ')} |`
  const rule = `|${widths.map((w, c) => numeric[c] === true ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2)).join('|')}|`
  return [line(headers), rule, ...text.map(line)].join('\n')
}

/** Thousands separators for big numbers, two decimals for small ones. */
export function formatNumber (n: number): string {
  if (!Number.isFinite(n)) return String(n)
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US')
  if (Math.abs(n) >= 10) return n.toFixed(1)
  return n.toFixed(2)
}

export function ratio (value: number, base: number): string {
  return base === 0 ? 'n/a' : `${(value / base).toFixed(2)}×`
}

export function verdict (met: boolean): string {
  return met ? 'met' : 'MISSED'
}
