import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WaStatusInput, waWebhookBody } from './payload.js';
import { signWhatsAppBody } from './sign.js';

/** A message the fake Graph API accepted on `/{version}/{phone_number_id}/messages`. */
export interface FakeWhatsAppMessage {
  id: string;
  phoneNumberId: string;
  /** `to` (a wa_id) or `recipient` (a BSUID), whichever the body named. */
  recipient: string;
  body: Record<string, unknown>;
}

export interface FakeWhatsAppMedia {
  bytes: Uint8Array;
  mimeType: string;
}

export interface FakeGraphCall {
  method: string;
  path: string;
  authorization: string | undefined;
}

/** A business phone number the fake knows: `GET /{version}/{phone_number_id}` answers it. */
export interface FakeWhatsAppPhoneNumber {
  displayPhoneNumber: string;
  verifiedName?: string;
}

export interface FakeWhatsAppOptions {
  /** The bearer token the fake accepts; anything else answers 401 with code 190. */
  accessToken: string;
  /** The business numbers the token may read, by phone_number_id (install-time checks). */
  phoneNumbers?: Record<string, FakeWhatsAppPhoneNumber>;
}

export interface FakeWhatsApp {
  /** Put this in the config's `api_base_url`. */
  readonly url: string;
  readonly messages: Map<string, FakeWhatsAppMessage>;
  readonly media: Map<string, FakeWhatsAppMedia>;
  readonly calls: FakeGraphCall[];
  /** Recipients whose 24-hour window is closed: free-form sends answer error 131047. */
  readonly closedWindows: Set<string>;
  /**
   * A later send answers this Graph error (once per entry, in order); `afterSends` lets that
   * many sends succeed first (a long text whose second part fails).
   */
  failNextSend(error: {
    status: number;
    code: number;
    message?: string;
    details?: string;
    afterSends?: number;
  }): void;
  /** From now on every call answers 401 code 190, as Meta does for an expired token. */
  expireToken(): void;
  /**
   * The next message post is sent (stored, statuses can be delivered) but its answer is lost: the
   * connection is cut before a byte of it goes back, as when a network or the caller fails.
   */
  loseNextAnswer(): void;
  /** Adds media the webhook can name; `GET /{version}/{id}` then serves it. */
  addMedia(id: string, media: FakeWhatsAppMedia): void;
  /**
   * The statuses Meta would report for a sent message, in the order given (late, out of order,
   * or skipping a step), posted as one signed webhook delivery to `hookUrl`.
   */
  deliverStatuses(
    hookUrl: string,
    options: {
      appSecret: string;
      phoneNumberId: string;
      messageId: string;
      states: WaStatusInput['status'][];
      error?: WaStatusInput['error'];
    },
  ): Promise<Response>;
  close(): Promise<void>;
}

const graphError = (
  code: number,
  message: string,
  details?: string,
  type = 'OAuthException',
  subcode?: number,
) => ({
  error: {
    message,
    type,
    code,
    ...(subcode !== undefined ? { error_subcode: subcode } : {}),
    ...(details ? { error_data: { messaging_product: 'whatsapp', details } } : {}),
    fbtrace_id: 'AbCdEfGhIjKlMnOp',
  },
});

/**
 * A fake of the WhatsApp Cloud API's Graph endpoints on 127.0.0.1: messages (text and every
 * other type, stored as sent), media upload, media info (`GET /{version}/{media-id}`) and the
 * download URL it hands out (bearer required), with Meta's error bodies and codes.
 */
export async function startFakeWhatsApp(options: FakeWhatsAppOptions): Promise<FakeWhatsApp> {
  const messages = new Map<string, FakeWhatsAppMessage>();
  const media = new Map<string, FakeWhatsAppMedia>();
  const calls: FakeGraphCall[] = [];
  const closedWindows = new Set<string>();
  const failures: Array<{
    status: number;
    code: number;
    message?: string;
    details?: string;
    afterSends?: number;
  }> = [];
  let tokenExpired = false;
  let loseAnswer = false;
  let counter = 0;
  let base = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-graph');
    const authorization = req.headers.authorization;
    calls.push({ method: req.method ?? 'GET', path: url.pathname, authorization });
    const raw = await readBody(req);
    if (tokenExpired) {
      return reply(
        res,
        401,
        graphError(
          190,
          'Error validating access token: Session has expired on Tuesday, 01-Dec-26 10:00:00 PST.',
          undefined,
          'OAuthException',
          463,
        ),
      );
    }
    if (authorization !== `Bearer ${options.accessToken}`) {
      // What Meta answers for a token it cannot read at all (mistyped, truncated, another app's).
      return reply(res, 401, graphError(190, 'Invalid OAuth access token - Cannot parse access token'));
    }
    const download = /^\/media-download\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && download?.[1]) {
      const item = media.get(decodeURIComponent(download[1]));
      if (!item) return reply(res, 404, graphError(100, 'Not found', undefined, 'GraphMethodException'));
      res.writeHead(200, { 'content-type': item.mimeType, 'content-length': item.bytes.byteLength });
      res.end(Buffer.from(item.bytes));
      return;
    }
    const send = /^\/(v\d+\.\d+)\/(\d+)\/messages$/.exec(url.pathname);
    if (req.method === 'POST' && send?.[2]) {
      const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      const recipient = String(body.to ?? body.recipient ?? '');
      if (body.messaging_product !== 'whatsapp' || recipient === '') {
        return reply(
          res,
          400,
          graphError(100, '(#100) Invalid parameter', 'messaging_product and to are required'),
        );
      }
      const next = failures[0];
      const failure = next?.afterSends ? undefined : failures.shift();
      if (next?.afterSends) next.afterSends -= 1;
      if (failure)
        return reply(
          res,
          failure.status,
          graphError(failure.code, failure.message ?? 'error', failure.details),
        );
      if (body.type !== 'template' && closedWindows.has(recipient)) {
        return reply(
          res,
          400,
          graphError(
            131047,
            '(#131047) Re-engagement message',
            'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
          ),
        );
      }
      counter += 1;
      const id = `wamid.HBgL${String(counter).padStart(6, '0')}FQIAERgS`;
      messages.set(id, { id, phoneNumberId: send[2], recipient, body });
      if (loseAnswer) {
        loseAnswer = false;
        req.socket.destroy();
        return;
      }
      return reply(res, 200, {
        messaging_product: 'whatsapp',
        contacts: [{ input: recipient, ...(body.to ? { wa_id: recipient } : { user_id: recipient }) }],
        messages: [{ id }],
      });
    }
    const upload = /^\/(v\d+\.\d+)\/(\d+)\/media$/.exec(url.pathname);
    if (req.method === 'POST' && upload) {
      const form = await new Response(raw, {
        headers: { 'content-type': req.headers['content-type'] ?? '' },
      }).formData();
      const file = form.get('file');
      if (form.get('messaging_product') !== 'whatsapp' || !(file instanceof Blob)) {
        return reply(
          res,
          400,
          graphError(100, '(#100) Invalid parameter', 'file and messaging_product required'),
        );
      }
      counter += 1;
      const id = `${9000000000 + counter}`;
      media.set(id, { bytes: new Uint8Array(await file.arrayBuffer()), mimeType: file.type });
      return reply(res, 200, { id });
    }
    const info = /^\/(v\d+\.\d+)\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && info?.[2]) {
      const id = decodeURIComponent(info[2]);
      const number = options.phoneNumbers?.[id];
      if (number) return reply(res, 200, phoneNumberAnswer(id, number, url.searchParams.get('fields')));
      const item = media.get(id);
      if (!item) {
        return reply(
          res,
          404,
          graphError(
            100,
            `Unsupported get request. Object with ID '${id}' does not exist`,
            undefined,
            'GraphMethodException',
          ),
        );
      }
      return reply(res, 200, {
        messaging_product: 'whatsapp',
        url: `${base}media-download/${encodeURIComponent(id)}`,
        mime_type: item.mimeType,
        sha256: 'fake',
        file_size: item.bytes.byteLength,
        id,
      });
    }
    reply(res, 404, graphError(100, 'Unknown path components', undefined, 'GraphMethodException'));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() =>
      reply(res, 400, graphError(100, '(#100) Invalid parameter', 'invalid JSON')),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}/`;
  return {
    url: base,
    messages,
    media,
    calls,
    closedWindows,
    failNextSend: (error) => failures.push(error),
    expireToken: () => {
      tokenExpired = true;
    },
    loseNextAnswer: () => {
      loseAnswer = true;
    },
    addMedia: (id, item) => media.set(id, item),
    deliverStatuses: (hookUrl, o) => {
      const message = messages.get(o.messageId);
      const body = waWebhookBody([
        {
          phoneNumberId: o.phoneNumberId,
          statuses: o.states.map((status, i) => ({
            id: o.messageId,
            status,
            ...(message ? { recipientId: message.recipient } : {}),
            ...(typeof message?.body.biz_opaque_callback_data === 'string'
              ? { bizOpaqueCallbackData: message.body.biz_opaque_callback_data }
              : {}),
            timestamp: Math.floor(Date.UTC(2026, 11, 1) / 1000) + i,
            ...(status === 'failed' && o.error ? { error: o.error } : {}),
          })),
        },
      ]);
      return fetch(hookUrl, { method: 'POST', headers: signWhatsAppBody(o.appSecret, body), body });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A phone number node as Graph answers it: the default fields, or those `fields` names (and id). */
function phoneNumberAnswer(
  id: string,
  number: FakeWhatsAppPhoneNumber,
  fields: string | null,
): Record<string, unknown> {
  const all: Record<string, unknown> = {
    verified_name: number.verifiedName ?? 'Test Business',
    code_verification_status: 'VERIFIED',
    display_phone_number: number.displayPhoneNumber,
    quality_rating: 'GREEN',
    platform_type: 'CLOUD_API',
    throughput: { level: 'STANDARD' },
    id,
  };
  if (!fields) return all;
  const wanted = new Set([...fields.split(','), 'id']);
  return Object.fromEntries(Object.entries(all).filter(([key]) => wanted.has(key)));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
