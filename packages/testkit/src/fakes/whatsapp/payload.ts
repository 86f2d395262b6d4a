/** Builders for webhook bodies in the Cloud API's shape (`object: whatsapp_business_account`). */

export interface WaInboundText {
  id: string;
  /** The sender's wa_id (digits); omitted for username users who send only a BSUID. */
  from?: string;
  fromUserId?: string;
  fromParentUserId?: string;
  name?: string;
  text?: string;
  /** Seconds since the epoch, as Meta writes it (a string). */
  timestamp?: number;
  /** `context.id`: the message this one replies to. */
  replyTo?: string;
  /** Replaces the built message entirely (other types, malformed ones). */
  raw?: Record<string, unknown>;
}

export interface WaStatusInput {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed' | 'deleted';
  recipientId?: string;
  recipientUserId?: string;
  timestamp?: number;
  error?: { code: number; title?: string; details?: string };
  /** Echoed as Meta echoes what the send put in `biz_opaque_callback_data`. */
  bizOpaqueCallbackData?: string;
}

export interface WaChangeInput {
  phoneNumberId: string;
  displayPhoneNumber?: string;
  messages?: WaInboundText[];
  statuses?: WaStatusInput[];
}

const seconds = (value: number | undefined) => String(value ?? Math.floor(Date.UTC(2026, 11, 1) / 1000));

export function waMessage(input: WaInboundText): Record<string, unknown> {
  if (input.raw) return input.raw;
  return {
    ...(input.from ? { from: input.from } : {}),
    ...(input.fromUserId ? { from_user_id: input.fromUserId } : {}),
    ...(input.fromParentUserId ? { from_parent_user_id: input.fromParentUserId } : {}),
    id: input.id,
    timestamp: seconds(input.timestamp),
    type: 'text',
    text: { body: input.text ?? 'hello' },
    ...(input.replyTo ? { context: { from: '15550001111', id: input.replyTo } } : {}),
  };
}

export function waStatus(input: WaStatusInput): Record<string, unknown> {
  return {
    id: input.id,
    status: input.status,
    timestamp: seconds(input.timestamp),
    ...(input.recipientId ? { recipient_id: input.recipientId } : {}),
    ...(input.recipientUserId ? { recipient_user_id: input.recipientUserId } : {}),
    ...(input.bizOpaqueCallbackData ? { biz_opaque_callback_data: input.bizOpaqueCallbackData } : {}),
    ...(input.error
      ? {
          errors: [
            {
              code: input.error.code,
              title: input.error.title ?? 'Error',
              message: input.error.title ?? 'Error',
              error_data: { details: input.error.details ?? 'failed' },
            },
          ],
        }
      : {}),
  };
}

/** One webhook POST body: one entry per change here (Meta may also group changes in an entry). */
export function waWebhookBody(changes: WaChangeInput[], wabaId = '102290129340398'): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: changes.map((change) => ({
      id: wabaId,
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: {
              display_phone_number: change.displayPhoneNumber ?? '15550001111',
              phone_number_id: change.phoneNumberId,
            },
            contacts: (change.messages ?? [])
              .filter((m) => !m.raw)
              .map((m) => ({
                profile: { name: m.name ?? 'Test User' },
                ...(m.from ? { wa_id: m.from } : {}),
                ...(m.fromUserId ? { user_id: m.fromUserId } : {}),
              })),
            ...(change.messages ? { messages: change.messages.map(waMessage) } : {}),
            ...(change.statuses ? { statuses: change.statuses.map(waStatus) } : {}),
          },
        },
      ],
    })),
  });
}
