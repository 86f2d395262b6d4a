import { definePlugin } from '@switchboard/core';
import { createGithubInviteFactory, githubIdRules, githubLoginRules } from '@switchboard/github-invite';
import slackPlugin from '@switchboard/slack';
import { echoPlugin } from '@switchboard/testkit';
import { createChannelRegistry } from '../../src/channels/registry.js';

/**
 * The GitHub invitation plugin as production builds it, with its client's waits in milliseconds
 * (production spaces invitations 3 s apart, as GitHub asks).
 */
export const fastGithubInvitePlugin = definePlugin({
  factories: [],
  provisioners: [
    createGithubInviteFactory({
      tuning: { retryBaseMs: 1, writeIntervalMs: 0, retries: 1, maxInlineWaitSeconds: 0 },
    }),
  ],
  namespaces: [githubLoginRules, githubIdRules],
});

export const githubTestRegistry = () =>
  createChannelRegistry([
    { name: '@switchboard/slack', plugin: slackPlugin },
    { name: '@switchboard/testkit/plugin', plugin: echoPlugin },
    { name: '@switchboard/github-invite', plugin: fastGithubInvitePlugin },
  ]);
