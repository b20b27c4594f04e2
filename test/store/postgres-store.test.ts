// The PostgreSQL store against the shared conformance suites on a real server (PG_TEST_URL),
// plus what only PostgreSQL has: migration, key order kept beside jsonb, start-up errors,
// refused documents and faults from the server.
import t from 'tap'
import { storeConformance } from './conformance.js'
import { relationConformance } from './relation-conformance.js'
import { openPostgresTestStore } from '../support/postgres.js'

storeConformance('postgres', openPostgresTestStore)
relationConformance('postgres', openPostgresTestStore)
t.pass('loaded')
