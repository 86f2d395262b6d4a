import { normalizeForDatabase } from '@switchboard/db';
import { describe, expect, it } from 'vitest';
import { jsonNestsDeeperThan, parseJsonBody, rawBodyNestsTooDeep } from '../../src/http/safe-json.js';

describe('JSON depth limit', () => {
  const nest = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

  it('accepts 64 levels and refuses 65, without recursing', () => {
    expect(jsonNestsDeeperThan(nest(64))).toBe(false);
    expect(jsonNestsDeeperThan(nest(65))).toBe(true);
    expect(jsonNestsDeeperThan('['.repeat(1_000_000))).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(JSON.stringify({ text: '['.repeat(500) }))).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ text: `\\"${'{'.repeat(500)}` }))).toBe(false);
  });

  it('answers 400 json_too_deep from the body parser', () => {
    expect(() => parseJsonBody(Buffer.from(nest(200_000)))).toThrow(
      expect.objectContaining({ status: 400, code: 'json_too_deep' }),
    );
  });

  it('holds for webhook bytes, JSON inside form fields included', () => {
    const deep = nest(6_000);
    expect(rawBodyNestsTooDeep(Buffer.from(deep), 'application/json')).toBe(true);
    const form = Buffer.from(`payload=${encodeURIComponent(deep)}`);
    expect(rawBodyNestsTooDeep(form, 'application/x-www-form-urlencoded')).toBe(true);
    expect(rawBodyNestsTooDeep(Buffer.from('payload=%7B%7D'), 'application/x-www-form-urlencoded')).toBe(
      false,
    );
  });
});

describe('text normalisation for the database', () => {
  it('removes NUL and replaces lone surrogates, keys included, and counts what changed', () => {
    const { value, changes } = normalizeForDatabase({
      text: 'a\u0000b',
      list: ['\ud800x', 'ok \ud83d\ude00'],
      'k\u0000ey': '\udc00',
    });
    expect(value).toEqual({ text: 'ab', list: ['\ufffdx', 'ok \ud83d\ude00'], key: '\ufffd' });
    expect(changes).toEqual({ nulRemoved: 2, surrogatesReplaced: 2 });
  });

  it('returns the same value when nothing needs changing, emoji included', () => {
    const input = { text: 'hello \ud83d\ude00', n: 1, nested: [{ ok: true }] };
    const result = normalizeForDatabase(input);
    expect(result.value).toBe(input);
    expect(result.changes).toBeNull();
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    let deep: unknown = '\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(normalizeForDatabase(deep).changes).toEqual({ nulRemoved: 1, surrogatesReplaced: 0 });
  });
});

describe('prototype poisoning', () => {
  const parse = (text: string) => () => parseJsonBody(Buffer.from(text));
  const refused = expect.objectContaining({ status: 400, code: 'malformed_json' });

  it('refuses __proto__ keys, also spelled with unicode escapes and deep inside arrays', () => {
    expect(parse('{"a":1,"__proto__":{"admin":true}}')).toThrow(refused);
    expect(parse('{"\\u005f_proto__":{"admin":true}}')).toThrow(refused);
    expect(parse('[{"x":[{"__proto__":{}}]}]')).toThrow(refused);
  });

  it('refuses constructor.prototype but accepts a plain "constructor" field', () => {
    expect(parse('{"constructor":{"prototype":{"admin":true}}}')).toThrow(refused);
    expect(parseJsonBody(Buffer.from('{"constructor":"Ada","text":"\\u00e9"}'))).toEqual({
      constructor: 'Ada',
      text: 'é',
    });
  });
});
