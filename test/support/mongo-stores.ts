// Stores on the MongoDB stand-in (mongo-stand-in.ts) as the tests open them: with the stand-in's
// sessions for transactions, unless a test is about running without.
import { createMongoStore } from '../../src/store/mongodb/mongo-store.js'
import type { Store, StoreOptions } from '../../src/store/store.js'
import type { MongoStandIn } from './mongo-stand-in.js'

/** A store on `standIn`. */
export async function openOnStandIn (standIn: MongoStandIn, options: StoreOptions,
  transactions = true): Promise<Store> {
  return await createMongoStore(standIn.db, options, { transactions }, standIn.client)
}

/** An app's `openStore` that opens the store on `standIn`, whatever DATABASE_URL says. */
export function onStandIn (standIn: MongoStandIn): (url: string, options: StoreOptions) => Promise<Store> {
  return async function openStore (_url, options) {
    return await openOnStandIn(standIn, options)
  }
}
