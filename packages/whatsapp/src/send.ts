import {
  type OutboundMedia,
  type OutboundMessage,
  PlatformError,
  parseOutboundMessage,
} from '@switchboard/core';
import { z } from 'zod';
import type { GraphClient } from './graph-client.js';
import { isBsuid } from './identity.js';
import { outboundTag } from './outbound-tag.js';

/** WhatsApp's limit for one text message body. */
export const MAX_TEXT_LENGTH = 4096;

const mediaObject = z
  .object({
    link: z.url().optional(),
    id: z.string().min(1).optional(),
    caption: z.string().max(1024).optional(),
    filename: z.string().optional(),
  })
  .refine((m) => m.link !== undefined || m.id !== undefined, { message: 'media needs a link or an id' });

const upload = z.object({
  base64: z.string().min(1),
  mime_type: z.string().min(1),
  filename: z.string().optional(),
});

/**
 * What an agent may put in `card`: a native message the text alone cannot say. Media either by
 * `link`/`id` or as an `upload` (bytes the adapter uploads to the number's media endpoint first).
 */
export const whatsappCardSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('template'),
    template: z.object({
      name: z.string().min(1),
      language: z.object({ code: z.string().min(2) }),
      components: z.array(z.record(z.string(), z.unknown())).optional(),
    }),
  }),
  z.object({
    type: z.literal('reaction'),
    reaction: z.object({ message_id: z.string().min(1), emoji: z.string() }),
  }),
  ...(['image', 'audio', 'video', 'document', 'sticker'] as const).map((kind) =>
    z.object({ type: z.literal(kind), [kind]: mediaObject.optional(), upload: upload.optional() }),
  ),
] as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]);

/** The recipient field of the WhatsApp body: the wa_id received (`to`) or a BSUID (`recipient`). */
export function recipientOf(chatId: string): Record<string, string> {
  return isBsuid(chatId) ? { recipient: chatId } : { to: chatId };
}

/** Splits text into parts of at most `max` UTF-16 units, at a line break or space when there is one. */
export function splitText(text: string, max = MAX_TEXT_LENGTH): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = Math.max(rest.lastIndexOf('\n', max), rest.lastIndexOf(' ', max));
    if (cut < max / 2) cut = max;
    // Never cut a surrogate pair in half.
    if (/[\uD800-\uDBFF]/.test(rest.charAt(cut - 1))) cut -= 1;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[ \n]/, '');
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}

/**
 * The Graph API has no idempotency key, so sends already answered are remembered by the
 * outbound idempotency key (bounded, per channel): a retry after a lost answer or a part that
 * failed does not post again what already went out.
 */
export class SentParts {
  readonly #ids = new Map<string, string>();
  constructor(private readonly limit = 10_000) {}
  get(key: string): string | undefined {
    return this.#ids.get(key);
  }
  set(key: string, id: string): void {
    if (this.#ids.size >= this.limit) {
      const oldest = this.#ids.keys().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
    this.#ids.set(key, id);
  }
}

export interface SendContext {
  graph: GraphClient;
  phoneNumberId: string;
  sent: SentParts;
}

/** Sends one outbound message; long text goes as several messages, the last one's id is returned. */
export async function sendWhatsAppMessage(
  input: OutboundMessage,
  ctx: SendContext,
): Promise<{ platformMessageId: string }> {
  const message = parseOutboundMessage(input);
  const base = {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    ...recipientOf(message.target.chatId),
    ...(message.target.reply?.replyToMessageId
      ? { context: { message_id: message.target.reply.replyToMessageId } }
      : {}),
  };
  const bodies: Record<string, unknown>[] = [];
  if (message.card) bodies.push({ ...base, ...(await cardBody(message.card, ctx)) });
  let text = message.text;
  if (message.media) {
    const media = await mediaBody(message.media, text, ctx);
    bodies.push({ ...base, ...media.body });
    text = media.followingText;
  }
  if (text) {
    for (const part of splitText(text))
      bodies.push({ ...base, type: 'text', text: { body: part, preview_url: false } });
  }
  let last = '';
  for (const [i, body] of bodies.entries()) {
    const key = `${message.idempotencyKey}#${i}`;
    const known = ctx.sent.get(key);
    if (known) {
      last = known;
      continue;
    }
    // Tagged with the outbound id: a status of a post whose answer is lost still finds its record.
    const tag = message.delivery ? outboundTag(message.delivery.outboundId, i, bodies.length) : undefined;
    const answer = await ctx.graph.json(
      'POST',
      `${ctx.phoneNumberId}/messages`,
      tag ? { ...body, biz_opaque_callback_data: tag } : body,
    );
    const id = z.object({ messages: z.array(z.object({ id: z.string().min(1) })).min(1) }).safeParse(answer);
    if (!id.success)
      throw new PlatformError('permanent', 'the messages endpoint answered without a message id');
    last = id.data.messages[0]?.id as string;
    ctx.sent.set(key, last);
  }
  return { platformMessageId: last };
}

/** WhatsApp's message type for each core media kind: a file is a `document`. */
const MEDIA_TYPE = { image: 'image', file: 'document', audio: 'audio', video: 'video' } as const;
/** Captions are at most 1,024 characters, and audio takes none. */
const MAX_CAPTION = 1024;

/** Types Meta accepts without a MIME type the agent named, by the bytes' signature. */
function sniffMimeType(bytes: Buffer, kind: OutboundMedia['kind']): string {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'image/webp';
  if (bytes.subarray(4, 8).toString('latin1') === 'ftyp') return kind === 'audio' ? 'audio/mp4' : 'video/mp4';
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return kind === 'file' ? 'application/octet-stream' : `${kind}/unknown`;
}

/**
 * `OutboundMessage.media` as a message body: by `link` (Meta fetches the URL itself) or, for
 * `data`, uploaded to the number's media endpoint first and sent by `id`. The caption (else the
 * message text) goes on the media when it fits and the type takes one; what does not follows as
 * text (`followingText`).
 */
async function mediaBody(
  media: OutboundMedia,
  text: string | undefined,
  ctx: SendContext,
): Promise<{ body: Record<string, unknown>; followingText: string | undefined }> {
  const type = MEDIA_TYPE[media.kind];
  const candidate = media.caption ?? text;
  const fits = type !== 'audio' && candidate !== undefined && candidate.length <= MAX_CAPTION;
  const caption = fits ? candidate : undefined;
  const rest = [fits ? undefined : media.caption, fits && media.caption === undefined ? undefined : text];
  const following = rest.filter((part): part is string => part !== undefined && part !== '').join('\n\n');
  let handle: { link: string } | { id: string };
  if (media.url !== undefined) {
    handle = { link: media.url };
  } else {
    const bytes = Buffer.from(media.data ?? '', 'base64');
    handle = {
      id: await uploadMedia(ctx, {
        base64: media.data ?? '',
        mime_type: media.mimeType ?? sniffMimeType(bytes, media.kind),
        ...(media.name ? { filename: media.name } : {}),
      }),
    };
  }
  return {
    body: {
      type,
      [type]: {
        ...handle,
        ...(caption !== undefined ? { caption } : {}),
        ...(type === 'document' && media.name ? { filename: media.name } : {}),
      },
    },
    followingText: following === '' ? undefined : following,
  };
}

async function cardBody(card: Record<string, unknown>, ctx: SendContext): Promise<Record<string, unknown>> {
  const parsed = whatsappCardSchema.safeParse(card);
  if (!parsed.success) {
    throw new PlatformError(
      'permanent',
      `not a WhatsApp message card: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  }
  const value = parsed.data as Record<string, unknown> & { type: string; upload?: z.infer<typeof upload> };
  const { upload: bytes, ...rest } = value;
  if (!bytes) return rest;
  const id = await uploadMedia(ctx, bytes);
  const existing = (rest[value.type] ?? {}) as Record<string, unknown>;
  return {
    ...rest,
    [value.type]: {
      ...existing,
      id,
      ...(bytes.filename && value.type === 'document' ? { filename: bytes.filename } : {}),
    },
  };
}

/** `POST /{phone_number_id}/media` (multipart) -> the media id a message can then name. */
export async function uploadMedia(ctx: SendContext, file: z.infer<typeof upload>): Promise<string> {
  const form = new FormData();
  form.set('messaging_product', 'whatsapp');
  form.set('type', file.mime_type);
  form.set(
    'file',
    new Blob([Buffer.from(file.base64, 'base64')], { type: file.mime_type }),
    file.filename ?? 'upload',
  );
  const answer = z
    .object({ id: z.string().min(1) })
    .safeParse(await ctx.graph.json('POST', `${ctx.phoneNumberId}/media`, form));
  if (!answer.success) throw new PlatformError('permanent', 'the media endpoint answered without an id');
  return answer.data.id;
}
