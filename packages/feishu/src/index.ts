import { definePlugin } from '@switchboard/core';
import { createFeishuChannelFactory } from './channel.js';
import { feishuNamespaceRules } from './identity.js';

export { FeishuApi } from './api.js';
export {
  createFeishuChannelFactory,
  FeishuChannel,
  type FeishuChannelFactory,
  type FeishuChannelOptions,
} from './channel.js';
export {
  FEISHU_API_BASE_URLS,
  type FeishuChannelConfig,
  type FeishuChannelConfigInput,
  feishuApiBaseUrl,
  feishuConfigSchema,
} from './config.js';
export { MAX_CONTENT_CHARS, parseFeishuContent } from './content.js';
export { decryptFeishuPayload, encryptFeishuPayload } from './decrypt.js';
export {
  fetchFeishuBotOpenId,
  fetchFeishuProfile,
  fetchFeishuTenantKey,
  inactiveStatus,
} from './directory.js';
export {
  decodeFeishuBody,
  type FeishuEnvelope,
  type FeishuEventHeader,
  readFeishuEnvelope,
} from './envelope.js';
export {
  FEISHU_RATE_LIMIT_CODE,
  FEISHU_TARGET_GONE_CODES,
  platformErrorKindForCode,
  toPlatformError,
} from './errors.js';
export {
  FEISHU_OPEN_NAMESPACE,
  FEISHU_UNION_NAMESPACE,
  feishuCommandText,
  feishuNamespaceRules,
  feishuSenderIdentities,
} from './identity.js';
export {
  DEFAULT_FEISHU_CONNECT_TIMEOUT_MS,
  FeishuLongConnection,
  type FeishuLongConnectionOptions,
} from './long-connection.js';
export { type FeishuParseContext, parseFeishuEvent } from './parse.js';
export { prepareFeishuConfig } from './prepare-config.js';
export { feishuUuid, receiveIdType, sendFeishuMessage, updateFeishuMessage } from './send.js';
export { FEISHU_MAX_TEXT_CHARS, splitFeishuText } from './split.js';
export {
  FEISHU_MAX_CLOCK_SKEW_SECONDS,
  FEISHU_NONCE_HEADER,
  FEISHU_SIGNATURE_HEADER,
  FEISHU_TIMESTAMP_HEADER,
  feishuSignature,
  NonceBook,
  verifyFeishuRequest,
} from './verify.js';
export { createFeishuWebhook, feishuAppRoute, parseFeishuRequest } from './webhook.js';

/** The hub loads this: `SWITCHBOARD_PLUGINS=@switchboard/feishu` (one of the defaults). */
export default definePlugin({
  factories: [createFeishuChannelFactory()],
  namespaces: feishuNamespaceRules,
});
export {
  downloadFeishuMedia,
  downloadFeishuResource,
  FEISHU_MAX_FILE_UPLOAD_BYTES,
  FEISHU_MAX_IMAGE_UPLOAD_BYTES,
  FEISHU_MAX_MEDIA_BYTES,
  type FeishuUpload,
  sendFeishuMedia,
  uploadFeishuFile,
  uploadFeishuImage,
  uploadOutboundMedia,
} from './media.js';
