import { definePlugin } from '@switchboard/core';
import { createSlackChannelFactory } from './channel.js';
import { slackCommands } from './commands.js';
import { slackNamespaceRules } from './identity.js';

export {
  createSlackChannelFactory,
  SlackChannel,
  type SlackChannelFactory,
  type SlackChannelOptions,
} from './channel.js';
export { slackCommands } from './commands.js';
export {
  SLACK_API_BASE_URL,
  type SlackChannelConfig,
  type SlackChannelConfigInput,
  slackConfigSchema,
} from './config.js';
export { platformErrorKindForCode, platformErrorKindForStatus, toPlatformError } from './errors.js';
export {
  SLACK_NAMESPACE,
  slackCommandText,
  slackNamespaceRules,
  slackSenderIdentities,
} from './identity.js';
export {
  SLACK_BOT_EVENTS,
  SLACK_BOT_SCOPES,
  type SlackManifestOptions,
  slackAppManifest,
} from './manifest.js';
export {
  DUPLICATE_OF_APP_MENTION,
  extractMentions,
  parseSlackPayload,
  parseSlackRequest,
  type SlackParseContext,
  slackTsToIso,
} from './parse.js';
export { prepareSlackConfig, SLACK_UNREACHABLE } from './prepare-config.js';
export { fetchSlackProfile } from './profile.js';
export { postSlackMessage, updateSlackMessage } from './send.js';
export { handleSocketEnvelope, type SocketEnvelope, toSocketEnvelope } from './socket-envelope.js';
export {
  DEFAULT_SLACK_CONNECT_TIMEOUT_MS,
  SlackSocketConnection,
  type SlackSocketConnectionOptions,
} from './socket-mode.js';
export {
  SLACK_MAX_CLOCK_SKEW_SECONDS,
  SLACK_SIGNATURE_HEADER,
  SLACK_TIMESTAMP_HEADER,
  slackSignatureDigest,
  verifySlackRequest,
} from './verify.js';
export {
  createSlackWebClient,
  DEFAULT_SLACK_REQUEST_TIMEOUT_MS,
  type SlackWebClientOptions,
  slackWebClientOptions,
} from './web-client.js';

/** The hub loads this: `SWITCHBOARD_PLUGINS=@switchboard/slack` (one of the defaults). */
export default definePlugin({
  factories: [createSlackChannelFactory()],
  namespaces: [slackNamespaceRules],
  commands: [slackCommands],
});
