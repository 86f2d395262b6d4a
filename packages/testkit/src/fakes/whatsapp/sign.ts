import { signHubSignature256 } from '@switchboard/signing';

/** The body as Meta signs it: non-ASCII UTF-16 units as lower-case `\uXXXX` escapes. */
export function metaEscapedForm(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const unit = body.charCodeAt(i);
    out += unit < 0x80 ? body[i] : `\\u${unit.toString(16).padStart(4, '0')}`;
  }
  return out;
}

/**
 * The `X-Hub-Signature-256` Meta sends for `body`: over the escaped-unicode form (`signed:
 * 'escaped'`, what Meta does), or over the bytes as sent (`'raw'`).
 */
export function signWhatsAppBody(
  appSecret: string,
  body: string,
  signed: 'escaped' | 'raw' = 'escaped',
): Record<string, string> {
  const form = signed === 'escaped' ? metaEscapedForm(body) : body;
  return { 'content-type': 'application/json', 'x-hub-signature-256': signHubSignature256(appSecret, form) };
}
