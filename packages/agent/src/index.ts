export type { ExpressLikeRequest, ExpressMiddleware } from './adapters/express.js';
export type {
  FastifyLikeInstance,
  FastifyLikeReply,
  FastifyLikeRequest,
  FastifyPlugin,
  FastifyPluginOptions,
} from './adapters/fastify.js';
export type { FetchHandler } from './adapters/fetch.js';
export type { NodeHandler } from './adapters/node.js';
export {
  Agent,
  type AgentOptions,
  type AgentRequest,
  type AgentResponse,
  type ContextFor,
  createAgent,
  type EventContext,
  type Handler,
  type MessageContext,
  type MessagePattern,
  type ReplyOptions,
} from './agent.js';
export {
  type AgentEvent,
  type AgentEventType,
  type DeleteEvent,
  type EditEvent,
  type EventOfType,
  type HubUser,
  KNOWN_EVENT_TYPES,
  type MembershipEvent,
  type Message,
  type MessageEvent,
  type ParseResult,
  parseEvent,
  type ReactionEvent,
  type StatusEvent,
  type UnknownEvent,
} from './events.js';
export {
  type Content,
  createHubClient,
  type DownloadedMedia,
  type HubClient,
  type HubClientOptions,
  HubRequestError,
  type MediaContent,
  type MediaDownloadRequest,
  type MessageContent,
  type ReplyPlacement,
  type SendRequest,
  type SentMessage,
} from './hub-client.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  type SignatureCheck,
  type SignatureFailure,
  sign,
  type VerifyOptions,
  verifySignature,
} from './signature.js';
