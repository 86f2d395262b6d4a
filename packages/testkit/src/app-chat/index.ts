export {
  type AppChatBatch,
  type AppChatConfig,
  appChatBatchSchema,
  appChatConfigSchema,
  appChatRoute,
  createAppChatChannelFactory,
} from './channel.js';
