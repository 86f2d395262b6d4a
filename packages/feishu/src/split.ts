/**
 * Feishu refuses a text message above 150 KB of content; 30,000 characters stay below that even
 * when every character takes four UTF-8 bytes plus JSON escaping.
 */
export const FEISHU_MAX_TEXT_CHARS = 30_000;

const FENCE = /^\s*(`{3,}|~{3,})(.*)$/;

interface OpenFence {
  marker: string;
  info: string;
}

/** The fence state after `line`: opened, closed, or as it was. */
function fenceAfter(open: OpenFence | undefined, line: string): OpenFence | undefined {
  const match = FENCE.exec(line);
  if (!match) return open;
  const marker = match[1] as string;
  if (!open) return { marker, info: (match[2] ?? '').trim() };
  const closes =
    marker[0] === open.marker[0] && marker.length >= open.marker.length && (match[2] ?? '').trim() === '';
  return closes ? undefined : open;
}

const joinedLength = (lines: string[]) =>
  lines.reduce((n, line) => n + line.length, 0) + Math.max(lines.length - 1, 0);

/**
 * Splits text into pieces of at most `limit` characters at line ends (a longer line is cut),
 * never leaving a code fence open across pieces: a piece cut inside a fence closes it, and the
 * next piece reopens it with the same info string.
 */
export function splitFeishuText(text: string, limit = FEISHU_MAX_TEXT_CHARS): string[] {
  if (text.length <= limit) return [text];
  const bound = Math.max(limit, 64);
  const pieces: string[] = [];
  let open: OpenFence | undefined;
  const opening = (): string[] => (open ? [`${open.marker}${open.info}`] : []);
  let lines: string[] = [];
  const flush = () => {
    if (lines.length > opening().length || lines.some((line) => line.trim() !== '' && !FENCE.test(line))) {
      pieces.push(lines.join('\n') + (open ? `\n${open.marker}` : ''));
    }
    lines = opening();
  };
  for (const whole of text.split('\n')) {
    let line = whole;
    const after = fenceAfter(open, line);
    const closing = after ? after.marker.length + 1 : 0;
    const room = () => bound - joinedLength(lines) - (lines.length > 0 ? 1 : 0) - closing;
    if (line.length > room() && lines.length > opening().length) flush();
    while (line.length > room()) {
      const cut = Math.max(room(), 1);
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
      flush();
    }
    lines.push(line);
    open = after;
  }
  if (lines.length > 0 && lines.some((line) => line.trim() !== '')) pieces.push(lines.join('\n'));
  return pieces;
}
