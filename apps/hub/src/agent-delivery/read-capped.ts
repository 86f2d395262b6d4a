/** Agents answer with a small JSON object; anything larger is refused unread. */
export const AGENT_RESPONSE_LIMIT_BYTES = 1024 * 1024;

export type CappedBody = { ok: true; text: string } | { ok: false; error: string };

/**
 * Reads a response body up to `limit` bytes, cancelling the stream beyond it: a hostile or broken
 * peer cannot make the hub buffer an unbounded answer.
 */
export async function readCapped(response: Response, limit: number): Promise<CappedBody> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    return { ok: false, error: `response body exceeds ${limit} bytes` };
  }
  if (!response.body) return { ok: true, text: '' };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, error: `response body exceeds ${limit} bytes` };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: true, text: '' };
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}

/** A Node response body (undici's `request`): chunks, and a way to drop the rest. */
export interface BodyStream extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown;
}

/**
 * `readCapped` for a Node stream body: `declaredLength` is the content-length header (NaN when
 * absent). A body beyond the limit is destroyed unread, which also closes its connection.
 */
export async function readCappedStream(
  body: BodyStream,
  declaredLength: number,
  limit: number,
): Promise<CappedBody> {
  if (Number.isFinite(declaredLength) && declaredLength > limit) {
    body.destroy();
    return { ok: false, error: `response body exceeds ${limit} bytes` };
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      total += chunk.byteLength;
      if (total > limit) {
        body.destroy();
        return { ok: false, error: `response body exceeds ${limit} bytes` };
      }
      chunks.push(chunk);
    }
  } catch {
    // Like `readCapped`: a body cut off after the status line leaves the status to decide.
    return { ok: true, text: '' };
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}
