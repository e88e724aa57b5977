/**
 * Runs `task` for every item, at most `limit` at once, and resolves when all have finished. If any task
 * threw, the first error is thrown after all of them finished (none is abandoned half-way).
 *
 * @example
 * ```ts
 * await forEachConcurrently(claims, 16, async (claim) => settleOne(claim));
 * ```
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) throw errors[0];
}
