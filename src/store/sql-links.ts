// The table of identity links in both SQL stores: one table for every entity, keyed by
// (entity, source, source_id), with an (entity, id) index for the links of one document. Its
// name holds a character no entity name can, so it never meets an entity's table.
export const LINKS_TABLE = '"relata:links"'
export const LINKS_BY_ID = '"relata:links_by_id"'

/** The columns a link row is read back as. */
export interface LinkRow {
  source: string
  source_id: string
  id: string
  present?: number | boolean
}
