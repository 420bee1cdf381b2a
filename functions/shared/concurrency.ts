/**
 * Bounded parallelism, for the snapshot's Athena queries and the CLI's per-machine AWS calls:
 * enough in flight to finish in seconds, few enough not to meet a service's throttling head on.
 */

/**
 * Runs async work over a list with at most `limit` in flight; results keep the input order. On the first failure no new
 * item starts and the returned promise rejects with that failure; items already running
 * finish on their own (their results are dropped).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a whole number of 1 or more, got ${limit}`);
  }
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
