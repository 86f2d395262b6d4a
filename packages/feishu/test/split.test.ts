import { describe, expect, it } from 'vitest';
import { splitFeishuText } from '../src/split.js';

describe('splitting long text', () => {
  it('keeps short text whole', () => {
    expect(splitFeishuText('hello', 100)).toEqual(['hello']);
  });

  it('splits at line ends within the limit and loses nothing', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(20)}`);
    const pieces = splitFeishuText(lines.join('\n'), 200);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(200);
    expect(pieces.join('\n')).toBe(lines.join('\n'));
  });

  it('never leaves a code fence open across pieces', () => {
    const code = Array.from({ length: 40 }, (_, i) => `const v${i} = ${i};`);
    const text = ['intro', '```ts', ...code, '```', 'outro'].join('\n');
    const pieces = splitFeishuText(text, 200);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(200);
      const fences = piece.split('\n').filter((line) => line.startsWith('```'));
      expect(fences.length % 2).toBe(0);
    }
    expect(pieces[1]?.startsWith('```ts')).toBe(true);
    const body = pieces.join('\n');
    for (const line of code) expect(body).toContain(line);
  });

  it('cuts a single line longer than the limit', () => {
    const pieces = splitFeishuText('y'.repeat(1000), 300);
    expect(pieces.join('')).toBe('y'.repeat(1000));
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(300);
  });
});
