// The copy of the OpenAPI document that Swagger UI reads at /docs/json. Swagger UI fills every
// parameter with its example (or default) on "Try it out", so users trying the docs got
// example-shaped answers (`depth=2`, trimmed `fields`, limits of 5). In this copy only path
// parameters (the id) keep theirs; the others show their examples in their description instead.
// /openapi.json, which generators read, keeps every example.

interface Parameter {
  in?: string
  description?: string
  example?: unknown
  examples?: Record<string, { value?: unknown }>
  schema?: { default?: unknown }
}

/** The document with no prefilled value but the path's; `document` is Swagger UI's own clone. */
export function forTryingOut (document: Readonly<Record<string, any>>): Record<string, any> {
  const paths = (document.paths ?? {}) as Record<string, Record<string, { parameters?: Parameter[] }>>
  for (const operation of Object.values(paths).flatMap(item => Object.values(item))) {
    for (const parameter of operation.parameters ?? []) {
      if (parameter.in === 'path') continue
      const values = parameter.examples === undefined
        ? (parameter.example === undefined ? [] : [parameter.example])
        : Object.values(parameter.examples).map(example => example.value)
      delete parameter.example
      delete parameter.examples
      const notes: string[] = []
      if (values.length > 0) notes.push(`Example${values.length > 1 ? 's' : ''}: ${values.map(code).join(', ')}`)
      const defaultValue = parameter.schema?.default
      if (defaultValue !== undefined) {
        // the server applies it when the parameter is left out: an empty field means the same
        delete parameter.schema!.default
        notes.push(`Default: ${code(defaultValue)}, when left empty`)
      }
      if (notes.length > 0) parameter.description = [parameter.description ?? '', ...notes].join('\n\n')
    }
  }
  return document as Record<string, any>
}

function code (value: unknown): string {
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``
}
