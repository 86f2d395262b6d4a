import { DataDirLockedError } from '@switchboard/db';
import { CommanderError } from 'commander';
import { InvalidSettingsError } from '../config/env.js';
import { CliError } from './client.js';
import { buildProgram } from './program.js';

const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed its own message (usage errors, --help, --version).
    process.exit(error.exitCode);
  }
  const expected =
    error instanceof CliError || error instanceof InvalidSettingsError || error instanceof DataDirLockedError;
  const message = (error as Error).message;
  console.error(`switchboard: ${message}`);
  if (!expected && process.env.LOG_LEVEL === 'debug') console.error(error);
  process.exit(1);
}
