export {
  type WaChangeInput,
  type WaInboundText,
  type WaStatusInput,
  waMessage,
  waStatus,
  waWebhookBody,
} from './payload.js';
export {
  type FakeGraphCall,
  type FakeWhatsApp,
  type FakeWhatsAppMedia,
  type FakeWhatsAppMessage,
  type FakeWhatsAppOptions,
  type FakeWhatsAppPhoneNumber,
  startFakeWhatsApp,
} from './server.js';
export { metaEscapedForm, signWhatsAppBody } from './sign.js';
