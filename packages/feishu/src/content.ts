import type { MediaRef, MsgType } from '@switchboard/core';

/** Above this a `content` string is not parsed (Feishu's own text limit is 150 KB). */
export const MAX_CONTENT_CHARS = 512 * 1024;

export interface ParsedContent {
  msgType: MsgType;
  text?: string;
  media: MediaRef[];
  /** Why the content could not be read, when it could not. */
  problem?: 'content_not_json' | 'content_too_large';
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** A rich-text post: `{ title, content: [[elements]] }`, possibly under a locale key. */
function postText(content: Json): { text: string; media: MediaRef[] } {
  const localized = Array.isArray(content.content)
    ? content
    : (Object.values(content).find((value) => isObject(value) && Array.isArray(value.content)) as
        | Json
        | undefined);
  const lines: string[] = [];
  const media: MediaRef[] = [];
  if (!localized) return { text: '', media };
  if (str(localized.title)) lines.push(localized.title as string);
  for (const paragraph of localized.content as unknown[]) {
    if (!Array.isArray(paragraph)) continue;
    let line = '';
    for (const element of paragraph) {
      if (!isObject(element)) continue;
      switch (element.tag) {
        case 'text':
        case 'a':
          line += str(element.text) ?? '';
          break;
        case 'at':
          line += `@${str(element.user_name) ?? str(element.user_id) ?? ''}`;
          break;
        case 'code_block':
          line += `\n\`\`\`${str(element.language)?.toLowerCase() ?? ''}\n${str(element.text) ?? ''}\n\`\`\``;
          break;
        case 'img':
          if (str(element.image_key)) media.push({ kind: 'image', id: element.image_key as string });
          break;
        case 'media':
          if (str(element.file_key)) media.push({ kind: 'video', id: element.file_key as string });
          break;
        case 'emotion':
          line += `:${str(element.emoji_type) ?? ''}:`;
          break;
      }
    }
    lines.push(line);
  }
  return { text: lines.join('\n').trim(), media };
}

/**
 * `message.content` (a JSON string whose shape depends on `message_type`) → text and media
 * handles. Never throws: content that is not JSON, or too large, is reported, not fatal.
 */
export function parseFeishuContent(messageType: string, content: string): ParsedContent {
  if (content.length > MAX_CONTENT_CHARS)
    return { msgType: 'unknown', media: [], problem: 'content_too_large' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return { msgType: 'unknown', media: [], problem: 'content_not_json' };
  }
  if (!isObject(parsed)) return { msgType: 'unknown', media: [], problem: 'content_not_json' };
  const c = parsed;
  switch (messageType) {
    case 'text':
      return { msgType: 'text', text: str(c.text) ?? '', media: [] };
    case 'post': {
      const { text, media } = postText(c);
      return { msgType: 'text', text, media };
    }
    case 'image':
      return {
        msgType: 'image',
        media: str(c.image_key) ? [{ kind: 'image', id: c.image_key as string }] : [],
      };
    case 'file':
      return {
        msgType: 'file',
        media: str(c.file_key)
          ? [
              {
                kind: 'file',
                id: c.file_key as string,
                ...(str(c.file_name) ? { name: c.file_name as string } : {}),
              },
            ]
          : [],
      };
    case 'audio':
      return {
        msgType: 'audio',
        media: str(c.file_key) ? [{ kind: 'audio', id: c.file_key as string }] : [],
      };
    case 'media':
      return {
        msgType: 'video',
        media: str(c.file_key)
          ? [
              {
                kind: 'video',
                id: c.file_key as string,
                ...(str(c.file_name) ? { name: c.file_name as string } : {}),
              },
            ]
          : [],
      };
    case 'sticker':
      return {
        msgType: 'sticker',
        media: str(c.file_key) ? [{ kind: 'sticker', id: c.file_key as string }] : [],
      };
    case 'interactive':
      return { msgType: 'card', ...(str(c.title) ? { text: c.title as string } : {}), media: [] };
    case 'share_chat':
      return { msgType: 'system', text: `shared chat ${str(c.chat_id) ?? ''}`.trim(), media: [] };
    case 'share_user':
      return { msgType: 'system', text: `shared user ${str(c.user_id) ?? ''}`.trim(), media: [] };
    case 'system':
      return { msgType: 'system', ...(str(c.template) ? { text: c.template as string } : {}), media: [] };
    default:
      return { msgType: 'unknown', media: [] };
  }
}
