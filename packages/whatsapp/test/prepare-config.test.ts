import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigRejectedError, noopLogger } from '@switchboard/core';
import { type FakeWhatsApp, startFakeWhatsApp } from '@switchboard/testkit/fakes/whatsapp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsAppChannelFactory } from '../src/index.js';
import { ACCESS_TOKEN, PHONE_NUMBER_ID, validConfig } from './fixtures.js';

const factory = createWhatsAppChannelFactory();
const prepare = (input: Record<string, unknown>) =>
  (factory.prepareConfig as NonNullable<typeof factory.prepareConfig>)(input, { logger: noopLogger });

async function rejection(input: Record<string, unknown>): Promise<ConfigRejectedError> {
  const error = await prepare(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigRejectedError);
  return error as ConfigRejectedError;
}

describe('prepareConfig: the access token is checked at install time', () => {
  let fake: FakeWhatsApp;
  beforeAll(async () => {
    fake = await startFakeWhatsApp({
      accessToken: ACCESS_TOKEN,
      phoneNumbers: { [PHONE_NUMBER_ID]: { displayPhoneNumber: '+1 555-010-0199' } },
    });
  });
  afterAll(() => fake.close());

  it('asks GET /{phone_number_id} with the token and fills in the display phone number', async () => {
    const prepared = await prepare({ ...validConfig, api_base_url: fake.url });
    expect(prepared).toEqual({
      ...validConfig,
      api_base_url: fake.url,
      display_phone_number: '+1 555-010-0199',
    });
    expect(factory.configSchema.parse(prepared)).toMatchObject({ display_phone_number: '+1 555-010-0199' });
    const call = fake.calls.at(-1);
    expect(call).toMatchObject({ method: 'GET', path: `/v23.0/${PHONE_NUMBER_ID}` });
    expect(call?.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
  });

  it('refuses a token Meta rejects (code 190), never as unreachable, without echoing it', async () => {
    const token = 'EAAG-mistyped-token';
    const error = await rejection({ ...validConfig, access_token: token, api_base_url: fake.url });
    expect(error.platformCode).toBe('190');
    expect(error.unreachable).toBe(false);
    expect(error.message).toMatch(/refused the access token/);
    expect(error.message).not.toContain(token);
  });

  it('refuses a phone number the token cannot read', async () => {
    const error = await rejection({
      ...validConfig,
      phone_number_id: '999999999999',
      api_base_url: fake.url,
    });
    expect(error.platformCode).toBe('100');
    expect(error.message).toContain('999999999999');
  });

  it('says when the Graph API cannot be reached, so the caller may retry', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const error = await rejection({ ...validConfig, api_base_url: `http://127.0.0.1:${port}/` });
    expect(error.unreachable).toBe(true);
  });

  it('leaves a config without a usable token or id for validation to report', async () => {
    const input = { ...validConfig, access_token: undefined, api_base_url: fake.url };
    expect(await prepare(input)).toBe(input);
    const calls = fake.calls.length;
    expect(await prepare({ ...validConfig, phone_number_id: '+49 151' })).toMatchObject({
      phone_number_id: '+49 151',
    });
    expect(fake.calls.length).toBe(calls);
  });
});
