import { parseFeishuEvent, readFeishuEnvelope } from '@switchboard/feishu';
import { describe, expect, it } from 'vitest';
import { FS_APP_ID, FS_TENANT, feishuBenchEvent, feishuSender } from '../../bench/lib/feishu-events.js';
import { readOptions } from '../../bench/lib/options.js';

function parse(envelope: Record<string, unknown>) {
  const read = readFeishuEnvelope(envelope);
  if (read.kind !== 'event') throw new Error('not an event');
  return parseFeishuEvent(
    { installationId: 'inst-1', appId: FS_APP_ID, homeTenant: () => FS_TENANT, botOpenId: () => undefined },
    read.version,
    read.header,
    read.event,
    new Date(),
  );
}

describe('the Feishu bench load', () => {
  it('pushes text messages of the home tenant from bound senders, with ids unique per run', () => {
    const [event] = parse(feishuBenchEvent('fsL', 33, 256));
    expect(event).toMatchObject({
      kind: 'message',
      eventId: 'ev_bench_fsL_33',
      message: { text: 'load fsL 33', source: { chatId: 'oc_bench_33', sender: { id: feishuSender(1) } } },
    });
    const ids = new Set(
      [feishuBenchEvent('fsL', 1, 256), feishuBenchEvent('fsL', 2, 256), feishuBenchEvent('fsW', 1, 256)].map(
        (envelope) => parse(envelope)[0]?.eventId,
      ),
    );
    expect(ids.size).toBe(3);
  });

  it('runs by default, is skipped with --no-feishu, and takes its event count', () => {
    expect(readOptions([], {})).toMatchObject({ feishu: true, feishuEvents: 5000 });
    expect(readOptions(['--no-feishu', '--feishu-events', '200'], {})).toMatchObject({
      feishu: false,
      feishuEvents: 200,
    });
    expect(readOptions([], { BENCH_FEISHU_EVENTS: '300' }).feishuEvents).toBe(300);
  });
});
