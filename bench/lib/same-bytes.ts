// Two servers compared by a bench must answer the same bytes, or the comparison means nothing.

/** GETs `path` from both `[label, base URL]` sides and throws, showing both, unless the bodies are equal. */
export async function assertSameBytes (a: [string, string], b: [string, string], path: string): Promise<void> {
  const [textA, textB] = await Promise.all([a, b].map(async ([, base]) => {
    const res = await fetch(base + path)
    if (!res.ok) throw new Error(`GET ${base}${path} answered ${res.status}: ${await res.text()}`)
    return await res.text()
  }))
  if (textA !== textB) {
    throw new Error(`${a[0]} and ${b[0]} answer different bytes for ${path}:\n${a[0]}: ${textA!.slice(0, 400)}\n` +
      `${b[0]}: ${textB!.slice(0, 400)}`)
  }
}
