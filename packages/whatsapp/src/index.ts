import { definePlugin } from '@switchboard/core';
import { createWhatsAppChannelFactory } from './channel.js';
import { waBsuidNamespaceRules, waJidNamespaceRules } from './identity.js';
import { WHATSAPP_REDELIVERY_WINDOW_MS } from './parse.js';

export {
  createWhatsAppChannelFactory,
  WhatsAppChannel,
  type WhatsAppChannelFactory,
  whatsappAppRoute,
} from './channel.js';
export {
  DEFAULT_GRAPH_API_VERSION,
  GRAPH_API_BASE_URL,
  type WhatsAppChannelConfig,
  type WhatsAppChannelConfigInput,
  whatsappConfigSchema,
} from './config.js';
export { GraphClient, GraphErrorCode, graphErrorOf, TEMPLATE_REQUIRED } from './graph-client.js';
export {
  isBsuid,
  jidOfDigits,
  normalizeJid,
  phonesOfWaId,
  toE164,
  WA_BSUID_NAMESPACE,
  WA_JID_NAMESPACE,
  waBsuidNamespaceRules,
  waIdForms,
  waJidNamespaceRules,
  whatsappSenderIdentities,
  whatsappVerificationChatId,
} from './identity.js';
export { type DownloadedMedia, downloadWhatsAppMedia, downloadWhatsAppRef } from './media.js';
export { routeWhatsAppBatch, WHATSAPP_REDELIVERY_WINDOW_MS, WHATSAPP_TYPE } from './parse.js';
export { GRAPH_UNREACHABLE, prepareWhatsAppConfig } from './prepare-config.js';
export { MAX_TEXT_LENGTH, recipientOf, sendWhatsAppMessage, splitText, whatsappCardSchema } from './send.js';
export { escapeUnicode, verifySubscription, verifyWhatsAppSignature } from './verify.js';

/** The hub loads this: `SWITCHBOARD_PLUGINS=@switchboard/whatsapp` (one of the defaults). */
export default definePlugin({
  // Meta redelivers for days: the hub keeps WhatsApp's dedup records that long.
  factories: [{ ...createWhatsAppChannelFactory(), redeliveryWindowMs: WHATSAPP_REDELIVERY_WINDOW_MS }],
  namespaces: [waJidNamespaceRules, waBsuidNamespaceRules],
});
