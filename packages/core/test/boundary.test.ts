import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Core is contracts only. Every adapter and the hub depend on it, so one stray import of a
// database driver, a node builtin or a platform SDK would leak into all of them.
const srcDir = join(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : [path];
  });
}

const specifierPatterns = [
  /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"`]([^'"`]+)['"`]/g,
  /\bimport\s*['"`]([^'"`]+)['"`]/g,
  /\bimport\s*\(\s*['"`]([^'"`]+)['"`]/g,
  /\brequire\s*\(\s*['"`]([^'"`]+)['"`]/g,
];

function forbiddenImports(source: string): string[] {
  const specifiers = specifierPatterns.flatMap((pattern) =>
    [...source.matchAll(pattern)].map((match) => match[1] ?? ''),
  );
  const problems = specifiers.filter(
    (specifier) => !specifier.startsWith('./') && !specifier.startsWith('../') && specifier !== 'zod',
  );
  // A computed specifier cannot be checked, so it is refused outright.
  if (/\b(?:import|require)\s*\(\s*[^'"`\s]/.test(source)) problems.push('<computed dynamic import>');
  return problems;
}

describe('core boundary', () => {
  const files = sourceFiles(srcDir);

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files.map((file) => [relative(srcDir, file), file]))(
    '%s imports only relative modules and zod',
    (_, file) => {
      expect(forbiddenImports(readFileSync(file, 'utf8'))).toEqual([]);
    },
  );

  it.each(files.map((file) => [relative(srcDir, file), file]))('%s never calls fetch', (_, file) => {
    expect(readFileSync(file, 'utf8')).not.toContain('fetch(');
  });

  it('catches every import form it is meant to refuse', () => {
    const sample = [
      "import pg from 'pg';",
      "import { createHmac } from 'node:crypto';",
      "import type { WebClient } from '@slack/web-api';",
      "export * from 'ws';",
      "import 'dotenv/config';",
      "const http = await import('node:http');",
      "const net = require('net');",
      'const mod = await import(name);',
      "import {\n  a,\n  b,\n} from 'undici';",
      "import { z } from 'zod';",
      "import { x } from './x.js';",
    ].join('\n');
    expect(forbiddenImports(sample)).toEqual([
      'pg',
      'node:crypto',
      '@slack/web-api',
      'ws',
      'undici',
      'dotenv/config',
      'node:http',
      'net',
      '<computed dynamic import>',
    ]);
  });
});
