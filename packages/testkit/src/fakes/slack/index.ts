export {
  type FakeSlack,
  type FakeSlackCall,
  type FakeSlackFailure,
  type FakeSlackMessage,
  type FakeSlackOptions,
  type FakeSlackUser,
  startFakeSlack,
} from './server.js';
export {
  createSignedSlackRequest,
  type SignedSlackRequestOptions,
  type SlackSignatureHeaders,
  signSlackRequest,
} from './sign.js';
export type { FakeSocketAck, FakeSocketPushOptions, FakeSocketServerMessage } from './socket-mode.js';
