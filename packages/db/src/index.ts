export * from './documents';
export { COLLECTIONS, getCollections, type Collections } from './collections';
export { INDEXES, ensureIndexes } from './indexes';
export { TRANSACTION_OPTIONS, createTransactionRunner, type TransactionRunner } from './transaction';
export { connectDatabase, createMongoClient, type Database, type ConnectOptions } from './connect';
export { ObjectId, type ClientSession } from 'mongodb';
