import { noopLogger, validateConfig } from '@switchboard/core';
import { type FakeGithub, type FakeGithubOptions, startFakeGithub } from '@switchboard/testkit/fakes/github';
import {
  createGithubInviteFactory,
  type GithubClientTuning,
  type GithubInviteProvisioner,
} from '../src/index.js';

export const TOKEN = 'github_pat_admin_token';
export const READ_TOKEN = 'github_pat_read_only';
export const WEBHOOK_SECRET = 'github-webhook-secret';

export const PEOPLE = [
  { login: 'alice', id: 101, email: 'alice@example.com' },
  { login: 'bob', id: 102, email: 'bob@example.com' },
  { login: 'carol', id: 103, email: 'carol@example.com' },
  { login: 'dave', id: 104 },
  { login: 'Erin-Q', id: 105, email: 'erin@example.com' },
];

/** Waits in milliseconds where production waits seconds; writes unspaced. */
export const fastFactory = (maxPages?: number, tuning: GithubClientTuning = {}) =>
  createGithubInviteFactory({
    tuning: { retryBaseMs: 1, writeIntervalMs: 0, retries: 2, maxInlineWaitSeconds: 0, ...tuning },
    ...(maxPages ? { maxPages } : {}),
  });

export async function githubOrg(
  overrides: Partial<FakeGithubOptions> = {},
  config: Record<string, unknown> = {},
  maxPages?: number,
  tuning?: GithubClientTuning,
): Promise<{ github: FakeGithub; provisioner: GithubInviteProvisioner }> {
  const github = await startFakeGithub({
    org: { login: 'acme', plan: 'team' },
    tokens: { [TOKEN]: 'admin', [READ_TOKEN]: 'read' },
    users: PEOPLE,
    teams: ['backend', 'infra'],
    ...overrides,
  });
  const factory = fastFactory(maxPages, tuning);
  const parsed = validateConfig(factory, {
    org: 'acme',
    token: TOKEN,
    webhook_secret: WEBHOOK_SECRET,
    api_base_url: github.url,
    ...config,
  });
  const provisioner = factory.create(parsed, {
    installationId: 'inst-1',
    logger: noopLogger,
  }) as GithubInviteProvisioner;
  return { github, provisioner };
}

export const request = (extra: Record<string, unknown>) => ({
  workspaceId: 'ws-1',
  userId: 'user-1',
  ...extra,
});
