/** Thrown when a channel call does not settle in time; the call itself may still be running. */
export class ChannelCallTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'ChannelCallTimeoutError';
  }
}

/**
 * Runs a channel call and bounds how long we wait for it. Calling through `then` turns a channel
 * that throws synchronously into a rejection, so one misbehaving adapter cannot escape the catch.
 */
export function callWithTimeout<T>(what: string, ms: number, call: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ChannelCallTimeoutError(what, ms)), ms);
    Promise.resolve()
      .then(call)
      .then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
  });
}
