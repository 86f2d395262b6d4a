import { apiBaseUrlField, secret } from '@switchboard/core';
import { z } from 'zod';

export const GITHUB_API_BASE_URL = 'https://api.github.com';

const teamSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/i, 'a team slug (letters, digits, ".", "_", "-")');

/** One GitHub organization whose invitations the installation sends. */
export const githubInviteConfigSchema = z.object({
  org: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,38})$/i, 'a GitHub organization login')
    .describe('The organization login, e.g. acme'),
  token: secret(z.string().min(8)).describe(
    'A fine-grained PAT or GitHub App installation token with organization members: write',
  ),
  default_role: z
    .enum(['direct_member', 'admin'])
    .default('direct_member')
    .describe('The org role of an invitation that names none'),
  allowed_teams: z
    .array(teamSlug)
    .max(200)
    .default([])
    .describe('Team slugs a grant may name; empty allows every team of the org'),
  webhook_secret: secret(z.string().min(8)).describe('The secret of the org webhook (X-Hub-Signature-256)'),
  reinvite_expired: z
    .boolean()
    .default(true)
    .describe('Send an expired or failed invitation again when reconcile finds it (else surface it)'),
  api_base_url: apiBaseUrlField,
});

export type GithubInviteConfig = z.infer<typeof githubInviteConfigSchema>;
export type GithubInviteConfigInput = z.input<typeof githubInviteConfigSchema>;
