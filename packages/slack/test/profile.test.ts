import { isNotFound, NotFoundError, PlatformError, type Sender } from '@switchboard/core';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fakes/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChannel, TEAM_ID } from './helpers.js';

let fake: FakeSlack;

beforeEach(async () => {
  fake = await startFakeSlack();
});

afterEach(async () => {
  await fake.close();
});

const sender = (id: string): Sender => ({ id, isBot: false, isExternal: false });

const egon = {
  id: 'U2147483697',
  team_id: TEAM_ID,
  name: 'spengler',
  deleted: false,
  color: '9f69e7',
  real_name: 'Egon Spengler',
  tz: 'America/Los_Angeles',
  tz_label: 'Pacific Daylight Time',
  tz_offset: -25200,
  profile: {
    avatar_hash: 'ge3b51ca72de',
    status_text: 'Print is dead',
    status_emoji: ':books:',
    real_name: 'Egon Spengler',
    display_name: 'spengler',
    real_name_normalized: 'Egon Spengler',
    display_name_normalized: 'spengler',
    email: 'spengler@ghostbusters.example.com',
    image_24: 'https://avatars.example.com/e3b51ca72dee_24.jpg',
    team: TEAM_ID,
  },
  is_admin: true,
  is_owner: false,
  is_primary_owner: false,
  is_restricted: false,
  is_ultra_restricted: false,
  is_bot: false,
  is_app_user: false,
  updated: 1502138686,
  has_2fa: false,
};

describe('fetchProfile', () => {
  it('reads users.info into a directory profile', async () => {
    fake.users.set(egon.id, egon);
    const channel = createChannel({ api_base_url: fake.url });
    expect(await channel.fetchProfile(sender(egon.id))).toEqual({
      canonicalId: `${TEAM_ID}:U2147483697`,
      email: 'spengler@ghostbusters.example.com',
      emailVerified: false,
      name: 'spengler',
      tenant: TEAM_ID,
      isGuest: false,
    });
    expect(fake.callsTo('users.info')[0]?.params).toEqual({ user: egon.id });
  });

  it('leaves email out without users:read.email and falls back to the real name', async () => {
    fake.users.set('U0NOEMAIL', {
      ...egon,
      id: 'U0NOEMAIL',
      profile: { real_name: 'Ray Stantz', display_name: '', team: TEAM_ID },
    });
    const channel = createChannel({ api_base_url: fake.url });
    const profile = await channel.fetchProfile(sender('U0NOEMAIL'));
    expect(profile.email).toBeUndefined();
    expect(profile.emailVerified).toBe(false);
    expect(profile.name).toBe('Ray Stantz');
  });

  it('marks multi-channel, single-channel and external guests', async () => {
    fake.users.set('U0MULTI', { ...egon, id: 'U0MULTI', is_restricted: true });
    fake.users.set('U0SINGLE', { ...egon, id: 'U0SINGLE', is_restricted: true, is_ultra_restricted: true });
    fake.users.set('U0STRANGE', { ...egon, id: 'U0STRANGE', team_id: 'T09PARTNER', is_stranger: true });
    const channel = createChannel({ api_base_url: fake.url });
    expect((await channel.fetchProfile(sender('U0MULTI'))).isGuest).toBe(true);
    expect((await channel.fetchProfile(sender('U0SINGLE'))).isGuest).toBe(true);
    expect(await channel.fetchProfile(sender('U0STRANGE'))).toMatchObject({
      isGuest: true,
      tenant: 'T09PARTNER',
      canonicalId: 'T09PARTNER:U0STRANGE',
    });
  });

  it('scopes Enterprise Grid users by their org', async () => {
    fake.users.set('W012A3CDE', {
      ...egon,
      id: 'W012A3CDE',
      enterprise_user: { id: 'W012A3CDE', enterprise_id: 'E0ORG1234', enterprise_name: 'Ghostbusters Inc' },
    });
    const channel = createChannel({ api_base_url: fake.url });
    expect((await channel.fetchProfile(sender('W012A3CDE'))).canonicalId).toBe('E0ORG1234:W012A3CDE');
  });

  it('throws NotFoundError for user_not_found', async () => {
    const channel = createChannel({ api_base_url: fake.url });
    const error = await channel.fetchProfile(sender('U0NOBODY')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(isNotFound(error)).toBe(true);
  });

  it('lets other failures propagate as PlatformError', async () => {
    const channel = createChannel({ api_base_url: fake.url });
    fake.failNext('users.info', { status: 503 });
    const error = await channel.fetchProfile(sender(egon.id)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect(isNotFound(error)).toBe(false);
    expect(error).toMatchObject({ kind: 'transient', status: 503 });
  });
});
