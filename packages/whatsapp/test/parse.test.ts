import { type InboundEvent, MalformedPayloadError, parseInboundEvent } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { routeWhatsAppBatch } from '../src/index.js';
import { APP_ID, PHONE_NUMBER_ID } from './fixtures.js';

const OTHER_NUMBER = '106540352242923';
const TS = '1764583200';
const media = (type: string, extra: Record<string, unknown> = {}) => ({
  from: '4915123456789',
  id: `wamid.${type}`,
  timestamp: TS,
  type,
  [type]: { id: `media-${type}`, mime_type: 'application/octet-stream', sha256: 'x', ...extra },
});

const batch = {
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550001111', phone_number_id: PHONE_NUMBER_ID },
            contacts: [
              { profile: { name: 'Anna' }, wa_id: '4915123456789', user_id: 'DE.13491208655302741918' },
              { profile: { username: 'nopho' }, user_id: 'US.998877', parent_user_id: 'US.ENT.112233' },
            ],
            messages: [
              {
                from: '4915123456789',
                from_user_id: 'DE.13491208655302741918',
                id: 'wamid.text',
                timestamp: TS,
                type: 'text',
                text: { body: 'Hallo' },
                context: { from: '15550001111', id: 'wamid.earlier' },
              },
              {
                from_user_id: 'US.998877',
                from_parent_user_id: 'US.ENT.112233',
                id: 'wamid.bsuid-only',
                timestamp: TS,
                type: 'text',
                text: { body: 'hi' },
              },
              media('image', { caption: 'look' }),
              media('audio'),
              media('video'),
              media('document', { filename: 'report.pdf' }),
              media('sticker'),
              {
                from: '4915123456789',
                id: 'wamid.location',
                timestamp: TS,
                type: 'location',
                location: { latitude: 52.52, longitude: 13.4, name: 'Berlin' },
              },
              {
                from: '4915123456789',
                id: 'wamid.contacts',
                timestamp: TS,
                type: 'contacts',
                contacts: [
                  { name: { formatted_name: 'Bob' }, phones: [{ phone: '+1 555 0100', wa_id: '15550100' }] },
                ],
              },
              {
                from: '4915123456789',
                id: 'wamid.button',
                timestamp: TS,
                type: 'interactive',
                interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } },
              },
              {
                from: '4915123456789',
                id: 'wamid.list',
                timestamp: TS,
                type: 'interactive',
                interactive: { type: 'list_reply', list_reply: { id: 'r1', title: 'Row 1' } },
              },
              {
                from: '4915123456789',
                id: 'wamid.reaction',
                timestamp: TS,
                type: 'reaction',
                reaction: { message_id: 'wamid.out', emoji: '👍' },
              },
              {
                from: '4915123456789',
                id: 'wamid.unreact',
                timestamp: TS,
                type: 'reaction',
                reaction: { message_id: 'wamid.out', emoji: '' },
              },
              {
                from: '4915123456789',
                id: 'wamid.system',
                timestamp: TS,
                type: 'system',
                system: {
                  body: 'changed number',
                  type: 'user_changed_number',
                  wa_id: '4915123456789',
                  new_wa_id: '4915199999999',
                },
              },
              {
                from: '4915123456789',
                id: 'wamid.broken',
                timestamp: 'yesterday',
                type: 'text',
                text: { body: 'bad' },
              },
              {
                from: '4915123456789',
                id: 'wamid.unsupported',
                timestamp: TS,
                type: 'unsupported',
                errors: [{ code: 131051 }],
              },
            ],
          },
        },
      ],
    },
    {
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550002222', phone_number_id: OTHER_NUMBER },
            statuses: [
              { id: 'wamid.sent-1', status: 'read', timestamp: TS, recipient_id: '4915123456789' },
              { id: 'wamid.sent-1', status: 'delivered', timestamp: TS, recipient_id: '4915123456789' },
              {
                id: 'wamid.sent-2',
                status: 'failed',
                timestamp: TS,
                recipient_id: '4915123456789',
                errors: [
                  {
                    code: 131047,
                    title: 'Re-engagement message',
                    error_data: { details: 'more than 24 hours' },
                  },
                ],
              },
              { id: 'wamid.sent-3', status: 'deleted', timestamp: TS },
              { status: 'sent' },
            ],
          },
        },
        { field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } },
      ],
    },
  ],
};

function eventsOf(body: unknown): Map<string, InboundEvent[]> {
  const { targets } = routeWhatsAppBatch(new TextEncoder().encode(JSON.stringify(body)), APP_ID);
  return new Map(
    targets.map((t) => [t.installationKey, t.events(`inst-${t.installationKey}`).map(parseInboundEvent)]),
  );
}

describe('parsing a batch', () => {
  const byNumber = eventsOf(batch);
  const events = byNumber.get(PHONE_NUMBER_ID) ?? [];
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const message = (id: string) => {
    const event = byId.get(id);
    if (event?.kind !== 'message') throw new Error(`${id} is ${event?.kind}`);
    return event.message;
  };

  it('routes every entry and change to the installation of its phone_number_id', () => {
    expect([...byNumber.keys()].sort()).toEqual([PHONE_NUMBER_ID, OTHER_NUMBER].sort());
    expect(events).toHaveLength(16);
    expect(byNumber.get(OTHER_NUMBER)).toHaveLength(5);
  });

  it('stamps the installation, the phone number as tenant and the app', () => {
    expect(message('wamid.text').source).toMatchObject({
      channelType: 'whatsapp',
      installationId: `inst-${PHONE_NUMBER_ID}`,
      tenantKey: PHONE_NUMBER_ID,
      appId: APP_ID,
      chatType: 'direct',
    });
  });

  it('keys the sender on the BSUID, keeps the wa_id as the chat, and maps context to ReplyCtx', () => {
    const text = message('wamid.text');
    expect(text).toMatchObject({
      msgType: 'text',
      text: 'Hallo',
      reply: { replyToMessageId: 'wamid.earlier' },
    });
    expect(text.source.chatId).toBe('4915123456789');
    expect(text.source.sender).toMatchObject({ id: 'DE.13491208655302741918', displayName: 'Anna' });
    expect(text.sentAt).toBe('2025-12-01T10:00:00.000Z');
  });

  it('replies to a username user by BSUID, with the parent as union id', () => {
    const bsuid = message('wamid.bsuid-only');
    expect(bsuid.source.chatId).toBe('US.998877');
    expect(bsuid.source.sender).toMatchObject({
      id: 'US.998877',
      unionId: 'US.ENT.112233',
      displayName: 'nopho',
    });
  });

  it('turns media into MediaRefs with the media id', () => {
    expect(message('wamid.image')).toMatchObject({
      msgType: 'image',
      text: 'look',
      media: [{ kind: 'image', id: 'media-image' }],
    });
    expect(message('wamid.document').media).toEqual([
      { kind: 'file', id: 'media-document', mimeType: 'application/octet-stream', name: 'report.pdf' },
    ]);
    for (const type of ['audio', 'video', 'sticker'])
      expect(message(`wamid.${type}`).media[0]?.id).toBe(`media-${type}`);
  });

  it('reads location, contacts, interactive replies and system messages', () => {
    expect(message('wamid.location')).toMatchObject({ msgType: 'card', text: 'Berlin (52.52, 13.4)' });
    expect(message('wamid.contacts').text).toBe('Bob +1 555 0100');
    expect(message('wamid.button').text).toBe('Yes');
    expect(message('wamid.list').text).toBe('Row 1');
    expect(message('wamid.system')).toMatchObject({ msgType: 'system', text: 'changed number' });
  });

  it('says which aliases a user_changed_number and a user_changed_user_id move', () => {
    const system = (id: string, from: Record<string, string>, fields: Record<string, string>) => ({
      ...from,
      id,
      timestamp: TS,
      type: 'system',
      system: { body: 'changed', ...fields },
    });
    const events = eventsOf({
      ...batch,
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550001111', phone_number_id: PHONE_NUMBER_ID },
                messages: [
                  system(
                    'wamid.number',
                    { from: '4915123456789' },
                    {
                      type: 'user_changed_number',
                      wa_id: '4915199999999',
                      user_id: 'DE.222',
                      previous_user_id: 'DE.111',
                    },
                  ),
                  system(
                    'wamid.user-id',
                    { from_user_id: 'US.222' },
                    { type: 'user_changed_user_id', user_id: 'US.222', previous_user_id: 'US.111' },
                  ),
                  system(
                    'wamid.same',
                    { from: '4915123456789' },
                    { type: 'user_changed_number', wa_id: '4915123456789' },
                  ),
                  system(
                    'wamid.parent',
                    { from_user_id: 'US.333' },
                    {
                      type: 'user_changed_user_id',
                      user_id: 'US.333',
                      previous_user_id: 'US.222',
                      parent_user_id: 'US.ENT.999',
                      previous_parent_user_id: 'US.ENT.888',
                    },
                  ),
                  system(
                    'wamid.parent-only',
                    { from_user_id: 'US.333' },
                    {
                      type: 'user_changed_user_id',
                      user_id: 'US.333',
                      previous_user_id: 'US.333',
                      parent_user_id: 'US.ENT.777',
                      previous_parent_user_id: 'US.ENT.999',
                    },
                  ),
                  system('wamid.other', { from: '4915123456789' }, { type: 'customer_identity_changed' }),
                ],
              },
            },
          ],
        },
      ],
    }).get(PHONE_NUMBER_ID);
    const change = (id: string) => {
      const event = events?.find((e) => e.eventId === id);
      return event?.kind === 'message' ? event.identityChange : undefined;
    };
    const keys = (list: Array<{ namespace: string; identifier: string }> | undefined) =>
      list?.map((k) => `${k.namespace}:${k.identifier}`);
    expect(keys(change('wamid.number')?.previous)).toEqual([
      'wa_jid:4915123456789@s.whatsapp.net',
      'phone:+4915123456789',
      'wa_bsuid:DE.111',
    ]);
    expect(keys(change('wamid.number')?.current)).toEqual([
      'wa_jid:4915199999999@s.whatsapp.net',
      'phone:+4915199999999',
      'wa_bsuid:DE.222',
    ]);
    expect(keys(change('wamid.user-id')?.previous)).toEqual(['wa_bsuid:US.111']);
    expect(keys(change('wamid.user-id')?.current)).toEqual(['wa_bsuid:US.222']);
    expect(change('wamid.user-id')?.previousSenderIds).toEqual(['US.111']);
    // The parent BSUID moves with the BSUID; it is never a sender id, so no binding goes with it.
    expect(keys(change('wamid.parent')?.previous)).toEqual(['wa_bsuid:US.222', 'wa_bsuid:US.ENT.888']);
    expect(keys(change('wamid.parent')?.current)).toEqual(['wa_bsuid:US.333', 'wa_bsuid:US.ENT.999']);
    expect(change('wamid.parent')?.previousSenderIds).toEqual(['US.222']);
    expect(keys(change('wamid.parent-only')?.previous)).toEqual(['wa_bsuid:US.ENT.999']);
    expect(keys(change('wamid.parent-only')?.current)).toEqual(['wa_bsuid:US.ENT.777']);
    expect(change('wamid.parent-only')?.previousSenderIds).toBeUndefined();
    expect(change('wamid.same')).toBeUndefined();
    expect(change('wamid.other')).toBeUndefined();
  });

  it('makes reactions reaction events, an empty emoji a removal', () => {
    expect(byId.get('wamid.reaction')).toMatchObject({
      kind: 'reaction',
      reaction: { action: 'added', emoji: '👍', platformMessageId: 'wamid.out' },
    });
    expect(byId.get('wamid.unreact')).toMatchObject({ kind: 'reaction', reaction: { action: 'removed' } });
  });

  it('keeps the good messages of a batch with a malformed one, which becomes an audited ignored event', () => {
    expect(byId.get('wamid.broken')).toMatchObject({ kind: 'ignored', reason: 'unsupported_event' });
    expect((byId.get('wamid.broken') as { detail?: string }).detail).toContain('timestamp');
    expect(byId.get('wamid.unsupported')).toMatchObject({
      kind: 'ignored',
      detail: 'message type unsupported',
    });
  });

  it('makes statuses status events keyed on id and state, with the error code of a failure', () => {
    const statuses = byNumber.get(OTHER_NUMBER) ?? [];
    expect(statuses.map((e) => e.eventId)).toEqual([
      'wamid.sent-1:read',
      'wamid.sent-1:delivered',
      'wamid.sent-2:failed',
      'wamid.sent-3:deleted',
      expect.stringMatching(/^malformed:/),
    ]);
    expect(statuses[0]).toMatchObject({
      kind: 'status',
      status: {
        platformMessageId: 'wamid.sent-1',
        state: 'read',
        chatId: '4915123456789',
        scope: { tenantKey: OTHER_NUMBER },
      },
    });
    expect(statuses[2]).toMatchObject({
      status: { state: 'failed', errorCode: '131047', errorMessage: 'more than 24 hours' },
    });
    expect(statuses[3]).toMatchObject({ kind: 'ignored' });
    expect(statuses[4]).toMatchObject({ kind: 'ignored', reason: 'unsupported_event' });
  });

  it('gives a redelivered message the same event id (the hub drops it by the wamid)', () => {
    const again = eventsOf(batch)
      .get(PHONE_NUMBER_ID)
      ?.map((e) => e.eventId);
    expect(again).toEqual(events.map((e) => e.eventId));
  });

  it('refuses a body that is not a WhatsApp batch', () => {
    const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    expect(() => routeWhatsAppBatch(bytes({ object: 'page', entry: [] }), APP_ID)).toThrow(
      MalformedPayloadError,
    );
    expect(() => routeWhatsAppBatch(new TextEncoder().encode('{'), APP_ID)).toThrow(MalformedPayloadError);
  });
});
