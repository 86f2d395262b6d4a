import { type AccountProvisionerFactory, definePlugin } from '@switchboard/core';
import { createGithubClient, type GithubClientTuning } from './client.js';
import { GITHUB_API_BASE_URL, type GithubInviteConfig, githubInviteConfigSchema } from './config.js';
import { githubIdRules, githubLoginRules } from './identity.js';
import { GithubInviteProvisioner } from './provisioner.js';
import { githubInviteSetupSteps } from './setup-steps.js';
import { createGithubWebhookHandler } from './webhook.js';

export { createGithubClient, type GithubClientTuning } from './client.js';
export {
  GITHUB_API_BASE_URL,
  type GithubInviteConfig,
  type GithubInviteConfigInput,
  githubInviteConfigSchema,
} from './config.js';
export {
  classify,
  type GithubFailure,
  isAlreadyMember,
  isCannotBeInvited,
  isOverInvitationRateLimit,
} from './errors.js';
export {
  GITHUB_ID_NAMESPACE,
  GITHUB_LOGIN_NAMESPACE,
  githubIdentities,
  githubIdRules,
  githubLoginRules,
} from './identity.js';
export { GithubInviteProvisioner } from './provisioner.js';
export { createGithubWebhookHandler } from './webhook.js';

export const GITHUB_INVITE = 'github-invite';

export interface GithubInviteFactoryOptions {
  tuning?: GithubClientTuning;
  /** Pages of 100 read at most when searching the invitation lists; default 10. */
  maxPages?: number;
}

/** The provisioner factory; options exist for tests (short retry waits) and very large orgs. */
export function createGithubInviteFactory(
  options: GithubInviteFactoryOptions = {},
): AccountProvisionerFactory<GithubInviteConfig> {
  return {
    type: GITHUB_INVITE,
    displayName: 'GitHub organization invitations',
    configSchema: githubInviteConfigSchema,
    setupSteps: githubInviteSetupSteps,
    create(config, deps) {
      const octokit = createGithubClient({
        token: config.token,
        baseUrl: config.api_base_url ?? GITHUB_API_BASE_URL,
        installationId: deps.installationId,
        logger: deps.logger,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        ...(options.tuning ? { tuning: options.tuning } : {}),
      });
      const webhook = createGithubWebhookHandler({
        secret: config.webhook_secret,
        org: config.org,
        logger: deps.logger,
      });
      return new GithubInviteProvisioner(config, octokit, deps.logger, webhook, options.maxPages);
    },
  };
}

export default definePlugin({
  factories: [],
  provisioners: [createGithubInviteFactory()],
  namespaces: [githubLoginRules, githubIdRules],
});
