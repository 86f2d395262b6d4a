import { testDatabaseKinds } from '@switchboard/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfTokenFor } from '../../src/console/session.js';
import { type ConsoleFixture, PASSWORD, startConsoleFixture } from './console-fixture.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' };

/** Console sessions over plain HTTP: links, cookies, CSRF, revocation, on both databases. */
describe.each(testDatabaseKinds())('console sessions [%s]', (kind) => {
  let fx: ConsoleFixture;

  beforeAll(async () => {
    fx = await startConsoleFixture(kind);
  });
  afterAll(async () => {
    await fx?.close();
  });

  const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${fx.hub.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...FORM, ...headers },
      body: new URLSearchParams(body).toString(),
    });
  const cookieOf = (response: Response) =>
    /sb_console=([^;]*)/.exec(response.headers.get('set-cookie') ?? '')?.[1];

  async function signIn(): Promise<string> {
    const response = await post('/console/sign-in', { username: fx.owner.username, password: PASSWORD });
    expect(response.status).toBe(303);
    const token = cookieOf(response);
    expect(token).toMatch(/^sbs_/);
    return token as string;
  }

  it('issues sign-in links only to the hub operator, for existing users', async () => {
    const asOwner = await fx.hub.request('POST', '/api/v1/console/login-links', {
      token: fx.owner.token,
      body: { username: fx.member.username },
    });
    expect(asOwner.status).toBe(403);
    const unknown = await fx.hub.request('POST', '/api/v1/console/login-links', {
      token: fx.operatorToken,
      body: { username: 'nobody' },
    });
    expect(unknown.status).toBe(404);
  });

  it('spends a link once, even when two browsers redeem it at the same time', async () => {
    const issued = await fx.hub.request('POST', '/api/v1/console/login-links', {
      token: fx.operatorToken,
      body: { username: fx.member.username },
    });
    const token = new URL(issued.body.url).searchParams.get('token') ?? '';
    const answers = await Promise.all([1, 2, 3].map(() => post('/console/sign-in/link', { token })));
    expect(answers.map((a) => a.status).sort()).toEqual([303, 410, 410]);
    expect(answers.filter((a) => cookieOf(a))).toHaveLength(1);
  });

  it('refuses a state change without the CSRF token or from another site, and accepts it with both', async () => {
    const session = await signIn();
    const cookie = `sb_console=${session}`;
    const body = { password: 'the next password 1' };
    expect((await post('/console/account/password', body, { cookie })).status).toBe(403);
    const crossSite = await post(
      '/console/account/password',
      { ...body, _csrf: csrfTokenFor(session) },
      { cookie, 'sec-fetch-site': 'cross-site' },
    );
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).toContain('another site');
    const wrongToken = await post(
      '/console/account/password',
      { ...body, _csrf: 'x'.repeat(43) },
      { cookie },
    );
    expect(wrongToken.status).toBe(403);
    // The current password is needed in a password session: a hijacked cookie alone cannot change it.
    const noCurrent = await post(
      '/console/account/password',
      { ...body, _csrf: csrfTokenFor(session) },
      { cookie },
    );
    expect(noCurrent.status).toBe(400);
    const ok = await post(
      '/console/account/password',
      { ...body, current: PASSWORD, _csrf: csrfTokenFor(session) },
      { cookie },
    );
    expect(ok.status).toBe(303);
    await fx.hub.runtime.stores.consoleSessions.setPasswordHash(
      fx.owner.userId,
      (await fx.hub.runtime.stores.consoleSessions.passwordHashOf(fx.member.userId)) ?? '',
    );
  });

  it('sets an httpOnly SameSite=Strict cookie scoped to the console', async () => {
    const response = await post('/console/sign-in', { username: fx.owner.username, password: PASSWORD });
    expect(response.headers.get('set-cookie')).toMatch(
      /; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=\d+/,
    );
  });

  it('ends a session on sign-out: the cookie no longer opens pages or the API', async () => {
    const session = await signIn();
    const cookie = `sb_console=${session}`;
    const before = await fetch(`${fx.hub.url}/console/account`, { headers: { cookie }, redirect: 'manual' });
    expect(before.status).toBe(200);
    expect((await fx.hub.request('GET', '/api/v1/workspaces', { token: session })).status).toBe(200);
    expect((await post('/console/sign-out', { _csrf: csrfTokenFor(session) }, { cookie })).status).toBe(303);
    const after = await fetch(`${fx.hub.url}/console/account`, { headers: { cookie }, redirect: 'manual' });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/console\/sign-in/);
    expect((await fx.hub.request('GET', '/api/v1/workspaces', { token: session })).status).toBe(401);
  });

  it('escapes what people typed wherever a page shows it', async () => {
    const response = await post('/console/sign-in', {
      username: '<img src=x onerror=alert(1)>',
      password: 'nope',
    });
    const page = await response.text();
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('follows only console paths after sign-in', async () => {
    const response = await post('/console/sign-in', {
      username: fx.owner.username,
      password: PASSWORD,
      next: '//evil.example/console',
    });
    expect(response.headers.get('location')).toBe('/console');
  });
});
