import type { FakeFeishu } from '@switchboard/testkit/fakes/feishu';
import { feishuBenchEvent } from './feishu-events.js';

export interface PushResult {
  pushed: number;
  /** Acked with code 200: the hub committed the event before answering. */
  acked: number;
  /** Acked with another code (the hub could not commit; Feishu would push again). */
  refused: number;
  /** No ack within the timeout. */
  timedOut: number;
  seconds: number;
  /** Per acked event, from the push to its ack. */
  latenciesMs: number[];
}

/**
 * Pushes `count` events over the fake's long connection with `window` of them in flight, as
 * Feishu does (it does not wait for one ack before the next push), and collects every ack.
 */
export async function pushFeishuEvents(
  feishu: FakeFeishu,
  options: { prefix: string; count: number; window: number; conversations: number },
): Promise<PushResult> {
  const result: PushResult = { pushed: 0, acked: 0, refused: 0, timedOut: 0, seconds: 0, latenciesMs: [] };
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    for (;;) {
      const n = next++;
      if (n >= options.count) return;
      result.pushed++;
      const sentAt = performance.now();
      try {
        const ack = await feishu.push(feishuBenchEvent(options.prefix, n, options.conversations), {
          timeoutMs: 30_000,
        });
        if (ack.code === 200) {
          result.acked++;
          result.latenciesMs.push(performance.now() - sentAt);
        } else {
          result.refused++;
        }
      } catch {
        result.timedOut++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.window) }, lane));
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
