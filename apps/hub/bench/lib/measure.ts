import type { LoadResult, LoadSpec } from '../load.js';
import { runNode } from './children.js';

export const BENCH_DIR = new URL('..', import.meta.url).pathname;
export const HUB_DIR = new URL('../..', import.meta.url).pathname;

/**
 * One load run in its own process (see load.ts). `onStart` fires when autocannon begins, i.e.
 * after the load process itself has started up, so time windows do not include its boot.
 */
export async function runLoad(spec: LoadSpec, onStart?: () => void): Promise<LoadResult> {
  let started = false;
  const stdout = await runNode(
    ['--conditions=source', '--import', 'tsx', `${BENCH_DIR}load.ts`, JSON.stringify(spec)],
    process.env,
    HUB_DIR,
    (text) => {
      if (!started && text.startsWith('started\n')) {
        started = true;
        onStart?.();
      }
    },
  );
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as LoadResult;
}

/**
 * Acked vs recorded for one load run. Acknowledging an event that is not in the inbox is the one
 * failure that loses data, so `acked > recorded` fails the benchmark. The reverse is allowed:
 * when a timed run stops, autocannon drops the requests still in flight (at most one per
 * connection), which the server may already have committed; the platform would retry those.
 */
export interface Integrity {
  acked: number;
  recorded: number;
  /** Recorded but the answer never reached the client. */
  unanswered: number;
  ok: boolean;
  note: string;
}

export function checkIntegrity(acked: number, recorded: number, inFlightBound: number): Integrity {
  const unanswered = recorded - acked;
  if (unanswered < 0) {
    return { acked, recorded, unanswered, ok: false, note: `${-unanswered} acknowledged but not recorded` };
  }
  if (unanswered > inFlightBound) {
    // Not data loss, but more than the cut-off explains: errors after commit, worth a look.
    return {
      acked,
      recorded,
      unanswered,
      ok: true,
      note: `${unanswered} recorded without a 2xx (more than in flight)`,
    };
  }
  return {
    acked,
    recorded,
    unanswered,
    ok: true,
    note: unanswered === 0 ? 'exact' : `${unanswered} cut off in flight`,
  };
}

/** Polls `done` every 20 ms until it returns true or `timeoutMs` passes; returns whether it did. */
export async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
