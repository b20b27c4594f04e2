// Which MongoDB deployments the store supports, checked at start-up from the server's own
// answers, so that an old server fails the start with a sentence instead of failing requests
// later. The pipelines need MongoDB 5.0 ($setWindowFields, $getField, $lookup with both
// localField and pipeline); on a sharded cluster, $lookup from a sharded collection (relation
// filters, and the children of findByRefs fetched again) needs 5.1.
import { ConfigError } from '../../errors.js'
import type { Document } from './driver-surface.js'

export const MIN_VERSION = [5, 0] as const
export const MIN_SHARDED_VERSION = [5, 1] as const

function parse (version: unknown): [number, number] | undefined {
  const match = typeof version === 'string' ? /^(\d+)\.(\d+)/.exec(version) : null
  return match === null ? undefined : [Number(match[1]), Number(match[2])]
}

const below = (version: [number, number], min: readonly [number, number]): boolean =>
  version[0] < min[0] || (version[0] === min[0] && version[1] < min[1])

/** Transactions need a replica set member or a mongos; a standalone server has none. */
export function supportsTransactions (hello: Document): boolean {
  return typeof hello.setName === 'string' || hello.msg === 'isdbgrid'
}

/** Throws ConfigError naming what is unsupported; `buildInfo` and `hello` are the server's answers. */
export function checkServer (buildInfo: Document, hello: Document): void {
  const version = parse(buildInfo.version)
  if (version === undefined) {
    throw new ConfigError(`mongodb store: the server reports no version Relata can read (${String(buildInfo.version)})`)
  }
  const sharded = hello.msg === 'isdbgrid'
  const min = sharded ? MIN_SHARDED_VERSION : MIN_VERSION
  if (below(version, min)) {
    const needs = sharded
      ? 'on a sharded cluster, relation filters and child lists read a sharded collection with $lookup, which ' +
        `needs MongoDB ${min.join('.')} or later`
      : `the store's pipelines ($setWindowFields, $getField) need MongoDB ${min.join('.')} or later`
    throw new ConfigError(`mongodb store: the server runs MongoDB ${String(buildInfo.version)}, which is not ` +
      `supported: ${needs}`)
  }
}
