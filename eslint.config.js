// Lint: neostandard (the style of the Fastify ecosystem) for TypeScript, plus a line length.
import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'coverage/**', 'openapi/schema.d.ts', '.tap/**', 'data/**'] }),
  {
    rules: {
      '@stylistic/max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
      // the codebase's own type literal style: commas on one line, nothing at line ends
      '@stylistic/member-delimiter-style': ['error', {
        multiline: { delimiter: 'none' },
        singleline: { delimiter: 'comma', requireLast: false }
      }]
    }
  }
]
