/**
 * Runs a database write again while it fails (the database is away), for up to `withinMs`,
 * backing off to 5 s between tries. Used where giving up costs more than waiting: a claim that
 * is never settled holds back its conversation until the stale window ends, and a sent message
 * that is not marked sent would be sent again.
 */
export async function persistently<T>(write: () => Promise<T>, withinMs: number): Promise<T> {
  const giveUpAt = Date.now() + withinMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (Date.now() > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
    }
  }
}
