import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';

describe('readConfig', () => {
  it('needs only the secret, and defaults the hub URL, host and port', () => {
    expect(readConfig({ AGENT_SECRET: 'agent-delivery-secret-0001' })).toEqual({
      ok: true,
      config: {
        secret: 'agent-delivery-secret-0001',
        hubUrl: 'http://127.0.0.1:8787',
        port: 3000,
        host: '127.0.0.1',
      },
    });
  });

  it('names every bad setting', () => {
    const result = readConfig({ AGENT_SECRET: 'short', HUB_URL: 'hub.local', PORT: 'abc' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain('AGENT_SECRET');
    expect(result.error).toContain('HUB_URL');
    expect(result.error).toContain('PORT');
  });
});

describe('the echo agent process', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGTERM');
  });

  const start = (env: Record<string, string>) =>
    spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(import.meta.dirname, '../src/main.ts')],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );

  it('starts with the documented command and refuses unsigned deliveries', async () => {
    child = start({ AGENT_SECRET: 'agent-delivery-secret-0001', PORT: '0' });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child?.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child?.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
  });

  it('exits with the reason when a setting is missing', async () => {
    child = start({ AGENT_SECRET: '' });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('AGENT_SECRET');
  });
});
