import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const HUB_BIN = resolve(import.meta.dirname, '../../bin/switchboard.mjs');

export interface HubProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process printed so far. */
  output(): string;
}

/** Runs `switchboard start` as a child process and resolves once it listens. */
export function startHubProcess(args: string[], env: NodeJS.ProcessEnv): Promise<HubProcess> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [HUB_BIN, 'start', ...args], {
      // Fake platforms and agents listen on loopback; open it as local development would.
      env: {
        SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1,::1,localhost',
        // Tests send bursts from one address; rate limits have their own tests.
        SWITCHBOARD_RATE_LIMIT_API_PER_MINUTE: '0',
        SWITCHBOARD_RATE_LIMIT_HOOKS_PER_MINUTE: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolvePromise({ child, url: match[1], output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code}:\n${output}`));
    });
  });
}

/** SIGKILL: no shutdown hook runs, exactly like a crash or an OOM kill. */
export async function killHard(hub: HubProcess): Promise<void> {
  if (hub.child.exitCode !== null || hub.child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => hub.child.once('exit', () => resolveExit()));
  hub.child.kill('SIGKILL');
  await exited;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one `switchboard` command as its own process, to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [HUB_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}
