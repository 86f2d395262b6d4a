import {
  type AccountEvent,
  type AccountProvisioner,
  type AccountProvisionerFactory,
  type CreateAccountRequest,
  InvalidConfigError,
  isIdentityNamespace,
  noopLogger,
  type ProvisionedAccount,
  redactSecrets,
  secretKeys,
  validateConfig,
  type WebhookRequest,
} from '@switchboard/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** A running fake of the provisioner's platform, fresh for each test that talks to it. */
export interface AccountConformancePlatform {
  /** Goes into the config's `api_base_url`. */
  apiBaseUrl: string;
  /**
   * The person accepts the pending request (an invitation); resolves to the webhook the platform
   * sends about it, as the hub would receive it, or undefined if the platform sends none.
   */
  accept(pendingId: string): Promise<WebhookRequest | undefined>;
  close(): Promise<void>;
}

export interface AccountProvisionerConformanceOptions<C extends Record<string, unknown>> {
  name?: string;
  factory: AccountProvisionerFactory<C>;
  /** A config input that must validate, without `api_base_url` (the suite adds the fake's). */
  validConfig: Record<string, unknown>;
  invalidConfigs: Record<string, unknown>;
  /** The top-level config keys that must be marked `secret(...)`, and no others. */
  secretKeys: string[];
  startPlatform(): Promise<AccountConformancePlatform>;
  /** Someone the platform must invite: `action_required`. */
  newPerson: Omit<CreateAccountRequest, 'workspaceId' | 'userId'>;
  /** Someone who has an account already: `already_exists` (or `success`). */
  existingMember: Omit<CreateAccountRequest, 'workspaceId' | 'userId'>;
}

const request = (parts: Omit<CreateAccountRequest, 'workspaceId' | 'userId'>): CreateAccountRequest => ({
  workspaceId: 'conformance-workspace',
  userId: 'conformance-user',
  ...parts,
});

function expectWellFormedAccount(account: ProvisionedAccount | undefined) {
  if (!account) return;
  expect(account.id).toEqual(expect.any(String));
  expect(account.id.length).toBeGreaterThan(0);
  for (const key of account.identities ?? []) {
    expect(isIdentityNamespace(key.namespace), key.namespace).toBe(true);
    expect(key.identifier.trim()).not.toBe('');
  }
}

function expectWellFormedEvent(event: AccountEvent) {
  expect([
    'accepted',
    'expired',
    'canceled',
    'failed',
    'joined',
    'removed',
    'invited',
    'grant_changed',
  ]).toContain(event.kind);
  if ('account' in event) expectWellFormedAccount(event.account);
  if ('pendingId' in event) expect(event.pendingId).toEqual(expect.any(String));
}

/**
 * The checks every account provisioner must pass: config and secrets, outcomes that never throw
 * (an unreachable platform is an `error` result), one pending request per person, an existing
 * account recognised, and (when it has them) webhooks that refuse forgeries and report the
 * acceptance, and a reconcile that answers well-formed events.
 */
export function describeAccountProvisionerConformance<C extends Record<string, unknown>>(
  options: AccountProvisionerConformanceOptions<C>,
): void {
  const { factory } = options;
  const build = (apiBaseUrl: string): AccountProvisioner =>
    factory.create(validateConfig(factory, { ...options.validConfig, api_base_url: apiBaseUrl }), {
      installationId: 'conformance-installation',
      logger: noopLogger,
    });

  describe(options.name ?? `${factory.type} account provisioner conformance`, () => {
    describe('config', () => {
      it('accepts the valid config and refuses the invalid ones', () => {
        expect(() => validateConfig(factory, options.validConfig)).not.toThrow();
        for (const [name, input] of Object.entries(options.invalidConfigs)) {
          expect(() => validateConfig(factory, input), name).toThrow(InvalidConfigError);
        }
      });
      it('marks exactly the credential fields secret, and redacts them', () => {
        expect([...secretKeys(factory.configSchema)].sort()).toEqual([...options.secretKeys].sort());
        const redacted = redactSecrets(factory.configSchema, validateConfig(factory, options.validConfig));
        for (const key of options.secretKeys) expect(redacted).not.toHaveProperty(key);
      });
    });

    it('answers an unreachable platform with an error result, never a throw', async () => {
      const provisioner = build('http://127.0.0.1:9');
      const result = await provisioner.createAccount(request(options.newPerson));
      expect(result).toMatchObject({
        status: 'error',
        code: expect.stringMatching(/^(transient|rate_limited)$/),
      });
    });

    describe('against the fake platform', () => {
      let platform: AccountConformancePlatform | undefined;
      const running = () => {
        if (!platform) throw new Error('the fake platform is not running');
        return platform;
      };
      beforeEach(async () => {
        platform = await options.startPlatform();
      });
      afterEach(async () => {
        await platform?.close();
        platform = undefined;
      });

      it('asks a new person to act once: the same pending request when asked again', async () => {
        const provisioner = build(running().apiBaseUrl);
        const first = await provisioner.createAccount(request(options.newPerson));
        expect(first.status).toBe('action_required');
        if (first.status !== 'action_required') return;
        expect(first.pending.id).not.toBe('');
        expect(first.pending.detail).not.toBe('');
        const again = await provisioner.createAccount(request(options.newPerson));
        expect(again).toMatchObject({ status: 'action_required', pending: { id: first.pending.id } });
      });

      it('recognises an existing account', async () => {
        const provisioner = build(running().apiBaseUrl);
        const result = await provisioner.createAccount(request(options.existingMember));
        expect(['already_exists', 'success']).toContain(result.status);
        if (result.status === 'already_exists' || result.status === 'success')
          expectWellFormedAccount(result.account);
      });

      it('refuses forged webhooks without throwing, and reports the acceptance', async () => {
        const provisioner = build(running().apiBaseUrl);
        const invited = await provisioner.createAccount(request(options.newPerson));
        if (invited.status !== 'action_required')
          throw new Error(`expected action_required, got ${invited.status}`);
        const delivered = await running().accept(invited.pending.id);
        const webhook = provisioner.webhook;
        if (!webhook || !delivered) {
          expect(provisioner.reconcile, 'a provisioner without webhooks must reconcile').toBeDefined();
        }
        if (webhook && delivered) {
          expect(webhook.verify({ ...delivered, headers: {} }).ok).toBe(false);
          const tampered = new Uint8Array([...delivered.rawBody, 0x20]);
          expect(webhook.verify({ ...delivered, rawBody: tampered }).ok).toBe(false);
          expect(webhook.verify(delivered)).toEqual({ ok: true });
          const { events } = webhook.parse(delivered);
          expect(events.length).toBeGreaterThan(0);
          for (const event of events) expectWellFormedEvent(event);
          expect(
            events.some(
              (e) => e.kind === 'joined' || (e.kind === 'accepted' && e.pendingId === invited.pending.id),
            ),
          ).toBe(true);
        }
        if (provisioner.reconcile) {
          const events = await provisioner.reconcile([
            { pendingId: invited.pending.id, ...pick(options.newPerson) },
          ]);
          for (const event of events) expectWellFormedEvent(event);
        }
      });

      it('cancels a pending request, twice without an error', async () => {
        const provisioner = build(running().apiBaseUrl);
        if (!provisioner.cancel) return;
        const invited = await provisioner.createAccount(request(options.newPerson));
        if (invited.status !== 'action_required') throw new Error(invited.status);
        await provisioner.cancel(invited.pending.id);
        await expect(provisioner.cancel(invited.pending.id)).resolves.toBeUndefined();
      });
    });
  });
}

function pick(parts: Omit<CreateAccountRequest, 'workspaceId' | 'userId'>) {
  return { ...(parts.login ? { login: parts.login } : {}), ...(parts.email ? { email: parts.email } : {}) };
}
