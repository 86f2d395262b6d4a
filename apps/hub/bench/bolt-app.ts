// The reference server: a minimal @slack/bolt 4 app on HTTPReceiver that verifies the signature,
// acknowledges the event and persists nothing. Prints `listening <port>` once it accepts requests.
import type { AddressInfo, Server } from 'node:net';
import bolt from '@slack/bolt';
import { BOT_ID, BOT_USER, SIGNING_SECRET } from './lib/slack-events.js';

const receiver = new bolt.HTTPReceiver({ signingSecret: SIGNING_SECRET });
const app = new bolt.App({
  receiver,
  // Token plus bot ids, and no verification: Bolt would otherwise call auth.test on Slack.
  token: 'xoxb-bench',
  botId: BOT_ID,
  botUserId: BOT_USER,
  tokenVerificationEnabled: false,
});
app.event('app_mention', async () => {});
app.event('message', async () => {});

const server = (await app.start(Number(process.env.PORT ?? 0))) as Server;
process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
process.once('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
