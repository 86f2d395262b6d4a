import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookRequest } from '@switchboard/core';
import { describeAccountProvisionerConformance } from '@switchboard/testkit/conformance';
import { startFakeGithub } from '@switchboard/testkit/fakes/github';
import { fastFactory, PEOPLE, TOKEN, WEBHOOK_SECRET } from './helpers.js';

describeAccountProvisionerConformance({
  factory: fastFactory(),
  validConfig: { org: 'acme', token: TOKEN, webhook_secret: WEBHOOK_SECRET },
  invalidConfigs: {
    'a missing org': { token: TOKEN, webhook_secret: WEBHOOK_SECRET },
    'an org login with a slash': { org: 'acme/x', token: TOKEN, webhook_secret: WEBHOOK_SECRET },
    'an unknown default_role': {
      org: 'acme',
      token: TOKEN,
      webhook_secret: WEBHOOK_SECRET,
      default_role: 'owner',
    },
    'a short webhook secret': { org: 'acme', token: TOKEN, webhook_secret: 'x' },
  },
  secretKeys: ['token', 'webhook_secret'],
  newPerson: { login: 'alice', teams: ['backend'] },
  existingMember: { login: 'carol' },
  async startPlatform() {
    let last: WebhookRequest | undefined;
    const hook = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      last = {
        method: req.method ?? 'POST',
        path: req.url ?? '/',
        headers: req.headers,
        query: {},
        rawBody: new Uint8Array(Buffer.concat(chunks)),
        receivedAt: new Date(),
      };
      res.end('ok');
    });
    hook.listen(0, '127.0.0.1');
    await once(hook, 'listening');
    const github = await startFakeGithub({
      org: { login: 'acme', plan: 'team' },
      tokens: { [TOKEN]: 'admin' },
      users: PEOPLE,
      members: ['carol'],
      teams: ['backend'],
      hook: {
        url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`,
        secret: WEBHOOK_SECRET,
        id: 7,
      },
    });
    return {
      apiBaseUrl: github.url,
      async accept(pendingId) {
        last = undefined;
        await github.accept(Number(pendingId));
        return last;
      },
      async close() {
        hook.close();
        await github.close();
      },
    };
  },
});
