export { EchoApiClient, parseRetryAfter, platformErrorKindForStatus } from './api-client.js';
export {
  createEchoChannelFactory,
  ECHO_SENT_LIMIT,
  EchoChannel,
  type EchoChannelFactory,
  type EchoChannelState,
  type EchoSentMessage,
} from './channel.js';
export { type EchoChannelConfig, type EchoChannelConfigInput, echoConfigSchema } from './config.js';
export { type EchoParseContext, parseEchoRequest } from './parse.js';
export {
  type EchoMessageEvent,
  echoMessageEventSchema,
} from './payload.js';
export { createSignedEchoRequest, type SignedEchoRequestOptions } from './request.js';
export {
  ECHO_SIGNATURE_HEADER,
  ECHO_TIMESTAMP_HEADER,
  type EchoSignatureHeaders,
  echoSignatureDigest,
  signEchoRequest,
} from './sign.js';
export { ECHO_MAX_CLOCK_SKEW_SECONDS, verifyEchoRequest } from './verify.js';
