import type { TokenPair } from './types';

/**
 * The last refresh any tab made, handed to the tab that takes the refresh lock next.
 *
 * Why not localStorage alone: a tab's localStorage write reaches the other tabs a moment later
 * (Chromium syncs it through the browser process in the background), so the next tab to get the
 * lock can still read the expired access token and the spent refresh token. Sending that refresh
 * token again is reuse, and the API ends the whole login. An IndexedDB transaction that completed
 * before the lock was released is seen by every transaction started after it, in any tab.
 *
 * Holds what localStorage holds (the token pair), plus the access token it replaced; nothing
 * else. Where IndexedDB is unavailable the handoff is skipped and the tab falls back to
 * localStorage.
 */
export interface RefreshHandoff {
  /** The access token this refresh replaced. */
  replaced: string;
  tokens: TokenPair;
}

const DB = 'shop.auth';
const STORE = 'refresh';
const KEY = 'last';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'));
  });
}

async function withStore<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = use(tx.objectStore(STORE));
      // Resolve on `complete`, not on the request's success: only a committed write is visible to
      // the next tab.
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
}

/** The refresh that replaced `stale`, if the last refresh of any tab did; null otherwise or on error. */
export async function handoffFor(stale: string): Promise<TokenPair | null> {
  if (typeof indexedDB === 'undefined') return null;
  try {
    const last = await withStore<RefreshHandoff | undefined>('readonly', (store) => store.get(KEY));
    return last?.replaced === stale ? last.tokens : null;
  } catch {
    return null;
  }
}

/** Records a refresh for the next lock holder; resolves once it is committed (errors are ignored). */
export async function recordHandoff(handoff: RefreshHandoff): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  try {
    await withStore('readwrite', (store) => store.put(handoff, KEY));
  } catch {
    // Private browsing without IndexedDB: the other tabs read localStorage, as before.
  }
}

/** Forgets the last refresh (logout): a later login never adopts tokens of an ended one. */
export async function clearHandoff(): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  try {
    await withStore('readwrite', (store) => store.delete(KEY));
  } catch {
    // Nothing to forget where IndexedDB is unavailable.
  }
}
