// The library's public surface: declare a model, open a store, and load relationship graphs
// without the HTTP server.
export { defineModel, Parent, type ModelDefinition, type EntityDefinition } from './model/model.js'
export { loadModel } from './model/load-model.js'
export { RelationshipMetadata } from './metadata/relationship-metadata.js'
export type { EntityMetadata, ParentRelationship, ChildRelationship } from './metadata/types.js'
export { Relata, buildMetadata, storeEntities, type RelataOptions } from './relata.js'
export {
  EntityApi,
  type CursorLine,
  type Deleted,
  type Page,
  type PageQuery,
  type ReadQuery,
  type ReadRequest,
  type RelativesOptions,
  type StreamRequest,
  type TotalMode,
  type WriteOutcome
} from './entities/entity-api.js'
export { cursorOf, decodeCursor } from './entities/cursor.js'
export { Healer, type HealerOptions, type PassReport } from './integrity/healer.js'
export type { MissingParentPolicy } from './integrity/policy.js'
export type { MissingRef, ParkedItem, ParkedRecord } from './integrity/parked.js'
export { ParkedRecords, PendingWriteError, type ParkedView } from './integrity/parked-records.js'
export { parseQuery, type RawQuery } from './entities/query.js'
export { EntityScope } from './metadata/entity-scope.js'
export type { Graph, Selection } from './graph/graph.js'
export { OBJECTS, SPLICED_TEXT, STRINGIFIED_TEXT, textForm, type AnswerForm } from './graph/answer-form.js'
export type { FieldSelection } from './graph/fields.js'
export { GraphBuilder } from './graph/graph-builder.js'
export { openStore } from './store/open-store.js'
export type { Store, Doc, Move, StoreOptions, Position, KeyValue } from './store/store.js'
export { parseFilter, type Condition } from './store/filter.js'
export { loadConfig, type Config } from './config.js'
export * from './errors.js'
