import { describe, expect, it, vi } from 'vitest';
import { printStatus } from '../../src/cli/commands/status.js';
import { startBanner } from '../../src/cli/first-run.js';

function captured(run: () => void): string {
  const printed: string[] = [];
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
  try {
    run();
  } finally {
    out.mockRestore();
  }
  return printed.join('');
}

describe('switchboard status, for a terminal', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  const installation = (problems: Array<{ code: string; message: string; hint: string; since: string }>) => ({
    id: '6f1c1f0e-0000-4000-8000-000000000001',
    channelType: 'acme-chat',
    runtime: {
      connected: true,
      connectionState: 'connected',
      leaseHolder: 'replica-abc',
      lastInboundAt: '2026-12-04T11:58:00Z',
      problems,
    },
  });

  it('prints an aligned table and no problem section when all is well', () => {
    const text = captured(() => printStatus([{ workspace: 'acme', installations: [installation([])] }], now));
    expect(text).toBe(
      [
        'WORKSPACE  INSTALLATION                          TYPE       STATE      LEASE HOLDER  LAST INBOUND  PROBLEMS',
        'acme       6f1c1f0e-0000-4000-8000-000000000001  acme-chat  connected  replica-abc   2 min ago     none',
        '',
      ].join('\n'),
    );
  });

  it('lists each problem under the table with its sentence and fix', () => {
    const text = captured(() =>
      printStatus(
        [
          {
            workspace: 'acme',
            installations: [
              installation([
                {
                  code: 'stale_connection',
                  message: 'The connection has shown no sign of life.',
                  hint: 'park and unpark it',
                  since: '2026-12-04T11:55:00Z',
                },
              ]),
            ],
          },
        ],
        now,
      ),
    );
    expect(text).toContain('stale_connection\n\nProblems:\n');
    expect(text).toContain(
      '  acme 6f1c1f0e-0000-4000-8000-000000000001 stale_connection (since 5 min ago)\n    The connection has shown no sign of life.\n    fix: park and unpark it\n',
    );
  });
});

describe('switchboard start banner', () => {
  it('names the console and, on a hub without workspaces, the first-run commands', () => {
    const first = startBanner('http://127.0.0.1:8787/console', true);
    expect(first[0]).toBe('Switchboard is running. Console: http://127.0.0.1:8787/console');
    expect(first.join('\n')).toContain('switchboard login-link --user alice');
    expect(startBanner('http://127.0.0.1:8787/console', false)).toEqual([first[0]]);
  });
});
