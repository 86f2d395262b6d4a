import { testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';

const SECRETS = {
  delivery: 'agent-delivery-secret-0123456789',
  signing: 'echo-signing-secret-abcdef',
  rotated: 'echo-signing-secret-rotated-987',
};

describe.each(testDatabaseKinds())('no secret ever leaves the hub [%s]', (kind) => {
  let hub: HubFixture;
  beforeAll(async () => {
    hub = await startHubFixture(kind);
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('walks every admin endpoint and finds no secret in any response or log line', async () => {
    const { token, userId } = await hub.seedWorkspace('leak-ws');
    const wide = (await hub.runtime.stores.apiTokens.issue({ userId })).token;
    const walked = new Set<string>();
    const responses: string[] = [];
    async function call(method: string, template: string, path: string, body?: unknown, bearer = token) {
      walked.add(`${method} ${template}`);
      const res = await hub.request(method, path, { token: bearer, body });
      responses.push(res.text);
      return res;
    }

    await call('POST', '/api/v1/workspaces', '/api/v1/workspaces', { slug: 'leak-ws-2' }, wide);
    await call('GET', '/api/v1/workspaces', '/api/v1/workspaces', undefined, wide);
    await call('GET', '/api/v1/workspaces/{ws}', '/api/v1/workspaces/leak-ws');
    // Only the hub operator creates a first admin; a member is refused.
    await call('POST', '/api/v1/workspaces/{ws}/admins', '/api/v1/workspaces/leak-ws-2/admins', {
      username: 'not-allowed',
    });
    const member = await call(
      'POST',
      '/api/v1/workspaces/{ws}/members',
      '/api/v1/workspaces/leak-ws/members',
      {
        username: 'leaky-member',
      },
    );
    await call('GET', '/api/v1/workspaces/{ws}/members', '/api/v1/workspaces/leak-ws/members');
    const memberPath = `/api/v1/workspaces/leak-ws/members/${member.body.userId}`;
    await call('PATCH', '/api/v1/workspaces/{ws}/members/{userId}', memberPath, { role: 'admin' });
    await call(
      'POST',
      '/api/v1/workspaces/{ws}/ownership-transfer',
      '/api/v1/workspaces/leak-ws/ownership-transfer',
      {
        userId,
      },
    );
    const invited = await call(
      'POST',
      '/api/v1/workspaces/{ws}/members',
      '/api/v1/workspaces/leak-ws/members',
      {
        email: 'invitee@leak.test',
      },
    );
    await call('GET', '/api/v1/workspaces/{ws}/invitations', '/api/v1/workspaces/leak-ws/invitations');
    await call('POST', '/api/v1/invitations/accept', '/api/v1/invitations/accept', {
      token: invited.body.token,
    });
    await call(
      'DELETE',
      '/api/v1/workspaces/{ws}/invitations/{id}',
      `/api/v1/workspaces/leak-ws/invitations/${invited.body.invitation.id}`,
    );
    const issued = await call('POST', '/api/v1/workspaces/{ws}/tokens', '/api/v1/workspaces/leak-ws/tokens', {
      name: 'walk',
    });
    await call('GET', '/api/v1/workspaces/{ws}/tokens', '/api/v1/workspaces/leak-ws/tokens');
    await call(
      'DELETE',
      '/api/v1/workspaces/{ws}/tokens/{tokenId}',
      `/api/v1/workspaces/leak-ws/tokens/${issued.body.id}`,
    );
    const identities = `/api/v1/workspaces/leak-ws/members/${member.body.userId}/identities`;
    await call('POST', '/api/v1/workspaces/{ws}/members/{userId}/identities', identities, {
      namespace: 'phone',
      identifier: '+14155552671',
    });
    await call('GET', '/api/v1/workspaces/{ws}/members/{userId}/identities', identities);
    await call(
      'GET',
      '/api/v1/workspaces/{ws}/identities/resolve',
      '/api/v1/workspaces/leak-ws/identities/resolve?namespace=phone&identifier=%2B14155552671',
    );
    const agent = await call('POST', '/api/v1/workspaces/{ws}/agents', '/api/v1/workspaces/leak-ws/agents', {
      name: 'agent',
      deliveryUrl: 'http://127.0.0.1:9/agent',
      deliverySecret: SECRETS.delivery,
    });
    expect(agent.status).toBe(201);
    await call('GET', '/api/v1/workspaces/{ws}/agents', '/api/v1/workspaces/leak-ws/agents');
    const rotated = await call(
      'POST',
      '/api/v1/workspaces/{ws}/agents/{id}/delivery-secret',
      `/api/v1/workspaces/leak-ws/agents/${agent.body.id}/delivery-secret`,
    );
    expect(rotated.status).toBe(200);
    // Shown once, in that answer; never in a later one or a log line.
    const rotatedSecret = responses.pop() ?? '';
    expect(JSON.parse(rotatedSecret).deliverySecret).toMatch(/^whsec_/);
    (SECRETS as Record<string, string>).generated = JSON.parse(rotatedSecret).deliverySecret;
    const agentPath = `/api/v1/workspaces/leak-ws/agents/${agent.body.id}`;
    await call('GET', '/api/v1/workspaces/{ws}/agents/{agentId}/health', `${agentPath}/health`);
    await call('PUT', '/api/v1/workspaces/{ws}/agents/{agentId}/retry-budget', `${agentPath}/retry-budget`, {
      retryBudgetMs: 3_600_000,
    });
    await call('PUT', '/api/v1/workspaces/{ws}/agents/{id}/event-types', `${agentPath}/event-types`, {
      eventTypes: ['message', 'status'],
    });
    const installation = await call(
      'POST',
      '/api/v1/workspaces/{ws}/installations',
      '/api/v1/workspaces/leak-ws/installations',
      { agentId: agent.body.id, channelType: 'echo', config: { signing_secret: SECRETS.signing } },
    );
    expect(installation.status).toBe(201);
    const instPath = `/api/v1/workspaces/leak-ws/installations/${installation.body.id}`;
    await call(
      'POST',
      '/api/v1/workspaces/{ws}/members/{userId}/identities/verification',
      `${identities}/verification`,
      {
        namespace: 'phone',
        identifier: '+14155552671',
        installationId: installation.body.id,
      },
    );
    await call(
      'POST',
      '/api/v1/workspaces/{ws}/members/{userId}/identities/verification/confirm',
      `${identities}/verification/confirm`,
      { namespace: 'phone', identifier: '+14155552671', code: '123456' },
    );
    await call('GET', '/api/v1/workspaces/{ws}/installations', '/api/v1/workspaces/leak-ws/installations');
    await call('GET', '/api/v1/workspaces/{ws}/installations/{id}', instPath);
    await call('GET', '/api/v1/workspaces/{ws}/installations/{id}/status', `${instPath}/status`);
    await call('PUT', '/api/v1/workspaces/{ws}/installations/{id}/parking', `${instPath}/parking`);
    await call('GET', '/api/v1/workspaces/{ws}/installations/{id}/parking', `${instPath}/parking`);
    await call('DELETE', '/api/v1/workspaces/{ws}/installations/{id}/parking', `${instPath}/parking`);
    // Only the hub operator asks for console sign-in links; a workspace token is refused.
    await call('POST', '/api/v1/console/login-links', '/api/v1/console/login-links', {
      username: 'leak-owner',
    });
    const accounts = `/api/v1/workspaces/leak-ws/members/${member.body.userId}/accounts`;
    await call('POST', '/api/v1/workspaces/{ws}/members/{userId}/accounts', accounts, {
      installationId: installation.body.id,
      login: 'leaky',
    });
    await call('GET', '/api/v1/workspaces/{ws}/members/{userId}/accounts', accounts);
    await call(
      'DELETE',
      '/api/v1/workspaces/{ws}/members/{userId}/accounts/{accountId}',
      `${accounts}/00000000-0000-4000-8000-000000000000`,
    );
    const wsAccounts = '/api/v1/workspaces/leak-ws/accounts';
    const noAccount = `${wsAccounts}/00000000-0000-4000-8000-000000000000`;
    await call('GET', '/api/v1/workspaces/{ws}/accounts', wsAccounts);
    await call('DELETE', '/api/v1/workspaces/{ws}/accounts/{accountId}', noAccount);
    await call('POST', '/api/v1/workspaces/{ws}/accounts/{accountId}/retry', `${noAccount}/retry`);
    await call(
      'GET',
      '/api/v1/workspaces/{ws}/account-installations/{installationId}/status',
      `/api/v1/workspaces/leak-ws/account-installations/${installation.body.id}/status`,
    );
    // Invalid input echoes nothing back either (zod issues carry no input values).
    await call('PATCH', '/api/v1/workspaces/{ws}/installations/{id}', instPath, {
      config: { signing_secret: 7 },
    });
    await call('PATCH', '/api/v1/workspaces/{ws}/installations/{id}', instPath, {
      config: { signing_secret: SECRETS.rotated },
    });
    const messages = `/api/v1/installations/${installation.body.id}/messages`;
    const sent = await call('POST', '/api/v1/installations/{id}/messages', messages, {
      target: { chatId: 'chat-1' },
      text: 'hello',
      idempotencyKey: 'leak-1',
    });
    expect(sent.status).toBe(202);
    await call('GET', '/api/v1/installations/{id}/messages/{messageId}', `${messages}/${sent.body.id}`);
    await call(
      'DELETE',
      '/api/v1/installations/{id}/sessions/{sessionId}',
      `/api/v1/installations/${installation.body.id}/sessions/no-such-session`,
    );
    await call('GET', '/api/v1/workspaces/{ws}/audit', '/api/v1/workspaces/leak-ws/audit');
    await call('GET', '/api/v1/channel-types', '/api/v1/channel-types');
    await call('GET', '/api/v1/workspaces/{ws}/status', '/api/v1/workspaces/leak-ws/status');
    await call(
      'GET',
      '/api/v1/workspaces/{ws}/outbound-messages',
      '/api/v1/workspaces/leak-ws/outbound-messages',
    );
    await call(
      'GET',
      '/api/v1/workspaces/{ws}/activity/messages',
      '/api/v1/workspaces/leak-ws/activity/messages',
    );
    await call(
      'GET',
      '/api/v1/workspaces/{ws}/activity/reasons',
      '/api/v1/workspaces/leak-ws/activity/reasons',
    );
    await call(
      'GET',
      '/api/v1/installations/{id}/deliveries/{deliveryId}/media/{index}',
      `/api/v1/installations/${installation.body.id}/deliveries/00000000-0000-4000-8000-000000000000/media/0`,
    );
    await call('GET', '/api/v1/workspaces/{ws}/bindings', '/api/v1/workspaces/leak-ws/bindings');
    await call('GET', '/api/v1/workspaces/{ws}/dead-letters', '/api/v1/workspaces/leak-ws/dead-letters');
    await call(
      'POST',
      '/api/v1/workspaces/{ws}/dead-letters/{deliveryId}/retry',
      '/api/v1/workspaces/leak-ws/dead-letters/00000000-0000-4000-8000-000000000000/retry',
    );
    await call(
      'POST',
      '/api/v1/workspaces/{ws}/dead-letters/{deliveryId}/discard',
      '/api/v1/workspaces/leak-ws/dead-letters/00000000-0000-4000-8000-000000000000/discard',
    );
    await call(
      'DELETE',
      '/api/v1/workspaces/{ws}/dead-letters/{deliveryId}',
      '/api/v1/workspaces/leak-ws/dead-letters/00000000-0000-4000-8000-000000000000',
    );
    await call('POST', '/api/v1/binding-tokens/redeem', '/api/v1/binding-tokens/redeem', {
      token: 'sbl_unknown',
    });
    await call(
      'POST',
      '/api/v1/workspaces/{ws}/binding-tokens/redeem',
      '/api/v1/workspaces/leak-ws/binding-tokens/redeem',
      { token: 'sbl_unknown' },
    );
    await call('DELETE', '/api/v1/workspaces/{ws}/installations/{id}', instPath);
    await call(
      'DELETE',
      '/api/v1/workspaces/{ws}/members/{userId}',
      `/api/v1/workspaces/leak-ws/members/${member.body.userId}`,
    );
    for (const open of ['/healthz', '/readyz', '/metrics', '/docs/json']) {
      responses.push((await hub.request('GET', open)).text);
    }

    // Every documented admin route was exercised: a new endpoint must join this walk.
    const docs = (await hub.request('GET', '/docs/json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(docs.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.length).toBeGreaterThan(0);
    expect([...walked].sort()).toEqual(expect.arrayContaining(documented.sort()));

    const everything = [...responses, ...hub.logs].join('\n');
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
    expect(everything).not.toContain(token);
  });
});
