import { testDatabaseKinds } from '@switchboard/db/testing';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../support/fake-agent.js';
import { type HubFixture, startHubFixture } from '../support/hub-fixture.js';
import {
  APP,
  BOT,
  eventually,
  postToHook,
  SIGNING_SECRET,
  slackMessage,
  TEAM,
} from '../support/slack-scenario.js';

/**
 * The first hour of a team, over HTTP as a browser would do it: create a workspace, invite a
 * colleague who accepts on the /invite page, and let the colleague sign in on the /link page and
 * connect their Slack account; their next message reaches the agent as them.
 */
describe.each(testDatabaseKinds())(
  'a workspace, an invited colleague and their Slack account [%s]',
  (kind) => {
    let hub: HubFixture;
    let slack: FakeSlack;
    let agent: FakeAgent;

    beforeAll(async () => {
      hub = await startHubFixture(kind);
      slack = await startFakeSlack({ teamId: TEAM, botUserId: BOT });
      agent = await startFakeAgent();
    });
    afterAll(async () => {
      await hub?.close();
      await slack?.close();
      await agent?.close();
    });

    /** Posts an HTML form the way a browser does from a page of this hub. */
    function submitForm(path: string, fields: Record<string, string>, origin = hub.url) {
      return hub.request('POST', path, {
        raw: new URLSearchParams(fields).toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin,
          'sec-fetch-site': 'same-origin',
        },
      });
    }

    it('creates a workspace, invites a colleague who accepts, and binds their Slack account in the browser', async () => {
      // The operator gave both people a hub user and a token (switchboard admin create does this).
      const founder = await hub.runtime.stores.users.create({
        username: 'founder',
        email: 'founder@acme.test',
      });
      const founderToken = (await hub.runtime.stores.apiTokens.issue({ userId: founder.id })).token;
      const colleague = await hub.runtime.stores.users.create({
        username: 'colleague',
        email: 'colleague@acme.test',
      });
      const colleagueToken = (await hub.runtime.stores.apiTokens.issue({ userId: colleague.id })).token;

      const workspace = await hub.request('POST', '/api/v1/workspaces', {
        token: founderToken,
        body: { slug: 'acme', name: 'Acme' },
      });
      expect(workspace.status).toBe(201);

      const invited = await hub.request('POST', '/api/v1/workspaces/acme/members', {
        token: founderToken,
        body: { email: 'Colleague@Acme.test', role: 'member' },
      });
      expect(invited.status).toBe(202);
      const acceptUrl = new URL(invited.body.acceptUrl);
      expect(acceptUrl.pathname).toBe('/invite');
      const invitationToken = acceptUrl.hash.slice(1);
      expect(invitationToken).toBe(invited.body.token);

      const invitePage = await hub.request('GET', '/invite');
      expect(invitePage.status).toBe(200);
      expect(invitePage.text).toContain('<form method="post" action="/invite">');
      // A page elsewhere cannot submit the form on the colleague's behalf.
      const forged = await submitForm(
        '/invite',
        { api_token: colleagueToken, token: invitationToken },
        'https://evil.example',
      );
      expect(forged.status).toBe(403);
      const accepted = await submitForm('/invite', { api_token: colleagueToken, token: invitationToken });
      expect(accepted.status).toBe(200);
      expect(accepted.text).toContain('You joined the workspace');
      const members = await hub.request('GET', '/api/v1/workspaces/acme/members', { token: founderToken });
      expect(members.body.members.map((m: { username: string }) => m.username).sort()).toEqual([
        'colleague',
        'founder',
      ]);

      // The founder connects Slack to an agent.
      const createdAgent = await hub.request('POST', '/api/v1/workspaces/acme/agents', {
        token: founderToken,
        body: { name: 'assistant', deliveryUrl: agent.url, deliverySecret: agent.secret },
      });
      const installation = await hub.request('POST', '/api/v1/workspaces/acme/installations', {
        token: founderToken,
        body: {
          agentId: createdAgent.body.id,
          channelType: 'slack',
          config: {
            signing_secret: SIGNING_SECRET,
            bot_token: 'xoxb-acme',
            app_id: APP,
            team_id: TEAM,
            bot_user_id: BOT,
            api_base_url: slack.url,
          },
        },
      });
      expect(installation.status).toBe(201);
      const installationId = installation.body.id as string;

      // The colleague writes to the bot and is offered a binding link in Slack.
      await postToHook(
        hub,
        installationId,
        slackMessage({ eventId: 'Ev0FIRST01', user: 'U0COLLEAG', text: 'hi' }),
      );
      const linkPost = await eventually(() =>
        slack.calls.find(
          (call) => call.method === 'chat.postMessage' && /token=/.test(String(call.params.text)),
        ),
      );
      const linkUrl = /(https?:\/\/\S+)/.exec(String(linkPost.params.text))?.[1] ?? '';
      const bindingToken = new URL(linkUrl).searchParams.get('token') ?? '';
      expect(bindingToken).not.toBe('');

      // On the link page: a plain form, signed in with the colleague's token.
      const linkPage = await hub.request('GET', `/link?token=${encodeURIComponent(bindingToken)}`);
      expect(linkPage.status).toBe(200);
      expect(linkPage.text).toContain('<form method="post" action="/link">');
      expect(linkPage.text).not.toContain('curl');
      const wrongToken = await submitForm('/link', { api_token: 'sb_not-a-token', token: bindingToken });
      expect(wrongToken.status).toBe(401);
      const bound = await submitForm('/link', { api_token: colleagueToken, token: bindingToken });
      expect(bound.status).toBe(200);
      expect(bound.text).toContain('connected to <strong>colleague</strong>');
      const again = await submitForm('/link', { api_token: colleagueToken, token: bindingToken });
      expect(again.status).toBe(410);

      // The next message reaches the agent as the colleague.
      await postToHook(
        hub,
        installationId,
        slackMessage({ eventId: 'Ev0SECOND1', user: 'U0COLLEAG', text: 'now me' }),
      );
      const delivery = await eventually(() =>
        agent.deliveries.find((d) => d.body.message?.text === 'now me'),
      );
      expect(delivery.signatureValid).toBe(true);
      expect(delivery.body.user).toEqual({ id: colleague.id, username: 'colleague' });

      // No API token, invitation token or binding token reached a log line.
      // (The Slack SDK's own debug lines echo the message it posts, link included: they are left out.)
      const logs = hub.logs.filter((line) => !line.includes('"component":"slack-web-api"')).join('\n');
      for (const secret of [founderToken, colleagueToken, invitationToken, bindingToken])
        expect(logs).not.toContain(secret);
    });
  },
);
