// The per-relationship policy for a write whose parent does not exist, declared next to
// `x-parent` as `"x-on-missing-parent"`: `allow` (the default: a dangling key reads as null),
// `reject` (the write is refused) or `park` (the record waits aside until its parent arrives).
import { ModelError } from '../errors.js'
import type { JsonSchema } from '../model/model.js'

export const POLICY_KEYWORD = 'x-on-missing-parent'
export const POLICIES = ['allow', 'reject', 'park'] as const
export type MissingParentPolicy = typeof POLICIES[number]

/** The property's policy; throws ModelError naming entity and property for a bad declaration. */
export function parsePolicy (entity: string, property: string, schema: JsonSchema): MissingParentPolicy {
  const value = schema[POLICY_KEYWORD]
  if (value === undefined) return 'allow'
  if (schema['x-parent'] === undefined) {
    throw new ModelError(
      `entity '${entity}' property '${property}' declares "${POLICY_KEYWORD}" but no "x-parent"; the policy applies ` +
        'to references only'
    )
  }
  if (!(POLICIES as readonly unknown[]).includes(value)) {
    throw new ModelError(
      `entity '${entity}' property '${property}': "${POLICY_KEYWORD}" is ${JSON.stringify(value)}; use one ` +
        `of ${POLICIES.join(', ')}`
    )
  }
  return value as MissingParentPolicy
}
