/** Wraps an async function so it runs at most once; later calls get the same promise. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let promise: Promise<void> | undefined;
  return () => (promise ??= fn());
}
