// The long connection's `pbbp2.Frame`, encoded by hand (a handful of fields, no schema compiler):
// SeqID 1 uint64, LogID 2 uint64, service 3 int32, method 4 int32 (0 control, 1 data),
// headers 5 repeated { key 1, value 2 }, payloadEncoding 6, payloadType 7, payload 8 bytes,
// LogIDNew 9 string.

export interface Pbbp2Frame {
  seqId: number;
  logId: number;
  service: number;
  method: number;
  headers: Array<{ key: string; value: string }>;
  payload?: Uint8Array;
}

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

const tag = (field: number, wire: number) => varint(field * 8 + wire);
const bytesField = (field: number, bytes: Uint8Array) => [
  ...tag(field, 2),
  ...varint(bytes.length),
  ...bytes,
];
const utf8 = (text: string) => new TextEncoder().encode(text);

export function encodeFrame(frame: Pbbp2Frame): Uint8Array {
  const out: number[] = [
    ...tag(1, 0),
    ...varint(frame.seqId),
    ...tag(2, 0),
    ...varint(frame.logId),
    ...tag(3, 0),
    ...varint(frame.service),
    ...tag(4, 0),
    ...varint(frame.method),
  ];
  for (const header of frame.headers) {
    out.push(
      ...bytesField(
        5,
        Uint8Array.from([...bytesField(1, utf8(header.key)), ...bytesField(2, utf8(header.value))]),
      ),
    );
  }
  if (frame.payload) out.push(...bytesField(8, frame.payload));
  return Uint8Array.from(out);
}

function readVarint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  let pos = at;
  for (;;) {
    if (pos >= bytes.length) throw new Error('truncated varint');
    const byte = bytes[pos++] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, pos];
    scale *= 0x80;
  }
}

function fields(bytes: Uint8Array): Array<{ field: number; value: number | Uint8Array }> {
  const out: Array<{ field: number; value: number | Uint8Array }> = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [key, afterKey] = readVarint(bytes, pos);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) {
      const [value, next] = readVarint(bytes, afterKey);
      out.push({ field, value });
      pos = next;
    } else if (wire === 2) {
      const [length, start] = readVarint(bytes, afterKey);
      if (start + length > bytes.length) throw new Error('truncated field');
      out.push({ field, value: bytes.subarray(start, start + length) });
      pos = start + length;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

export function decodeFrame(bytes: Uint8Array): Pbbp2Frame {
  const frame: Pbbp2Frame = { seqId: 0, logId: 0, service: 0, method: 0, headers: [] };
  const text = (value: number | Uint8Array) =>
    typeof value === 'number' ? '' : new TextDecoder().decode(value);
  for (const { field, value } of fields(bytes)) {
    if (field === 1 && typeof value === 'number') frame.seqId = value;
    else if (field === 2 && typeof value === 'number') frame.logId = value;
    else if (field === 3 && typeof value === 'number') frame.service = value;
    else if (field === 4 && typeof value === 'number') frame.method = value;
    else if (field === 8 && typeof value !== 'number') frame.payload = value;
    else if (field === 5 && typeof value !== 'number') {
      const header = { key: '', value: '' };
      for (const part of fields(value)) {
        if (part.field === 1) header.key = text(part.value);
        if (part.field === 2) header.value = text(part.value);
      }
      frame.headers.push(header);
    }
  }
  return frame;
}

export const frameHeader = (frame: Pbbp2Frame, key: string): string | undefined =>
  frame.headers.find((header) => header.key === key)?.value;
