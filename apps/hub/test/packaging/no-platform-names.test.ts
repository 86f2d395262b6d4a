import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PLUGINS } from '../../src/channels/registry.js';

const SOURCE = fileURLToPath(new URL('../../src/', import.meta.url));
const REGISTRY = 'channels/registry.ts';
// Platform names as they appear in code, comments and strings (lark also matches "larksuite").
const PLATFORM = /slack|feishu|lark|whatsapp|github/i;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : /\.[cm]?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

/** Every line of the hub source naming a platform, as `file:line: text`. */
function platformMentions(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SOURCE)) {
    const name = relative(SOURCE, file).split('\\').join('/');
    let text = readFileSync(file, 'utf8');
    // The one allowed place: the default plugin list itself.
    if (name === REGISTRY) text = text.replace(/DEFAULT_PLUGINS[^=]*=\s*\[[^\]]*\]/, 'DEFAULT_PLUGINS = []');
    text.split('\n').forEach((line, index) => {
      if (PLATFORM.test(line)) found.push(`${name}:${index + 1}: ${line.trim()}`);
    });
  }
  return found;
}

describe('the hub source', () => {
  it('names no platform outside its default plugin list, not even in comments', () => {
    expect(platformMentions()).toEqual([]);
  });

  it('has a default plugin list the check above leaves alone', () => {
    expect(DEFAULT_PLUGINS.some((name) => PLATFORM.test(name))).toBe(true);
    expect(sourceFiles(SOURCE).length).toBeGreaterThan(50);
  });
});
