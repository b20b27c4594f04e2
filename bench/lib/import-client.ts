// Sends an NDJSON body to a server's import route and returns its report, checked to be a 200.
import type { ImportReport } from '../../src/entities/import-ndjson.js'

export async function postImport (baseUrl: string, path: string, body: string): Promise<ImportReport> {
  const res = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body
  })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`POST ${path} answered ${res.status}: ${text.slice(0, 500)}`)
  return JSON.parse(text) as ImportReport
}

/** Fails unless the import stored every line of the body (none rejected, none parked). */
export function expectAllStored (path: string, report: ImportReport, lines: number): void {
  if (report.stored === lines && report.rejected === 0 && report.parked === 0) return
  throw new Error(`POST ${path}: stored ${report.stored}, parked ${report.parked}, rejected ${report.rejected} ` +
    `of ${lines} lines; first rejections: ${JSON.stringify(report.rejections.slice(0, 3))}`)
}
