import { InvalidPluginError } from '@switchboard/core';
import { DataDirLockedError } from '@switchboard/db';
import { CommanderError } from 'commander';
import { loadConfiguredPlugins } from '../channels/registry.js';
import { InvalidSettingsError } from '../config/env.js';
import { CliError } from './client.js';
import { mayNamePluginCommand, registerPluginCommands } from './plugin-commands.js';
import { buildProgram } from './program.js';

const program = buildProgram();
try {
  if (mayNamePluginCommand(program, process.argv)) {
    registerPluginCommands(program, await loadConfiguredPlugins());
  }
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed its own message (usage errors, --help, --version).
    process.exit(error.exitCode);
  }
  const expected =
    error instanceof CliError ||
    error instanceof InvalidSettingsError ||
    error instanceof DataDirLockedError ||
    error instanceof InvalidPluginError;
  const message = (error as Error).message;
  console.error(`switchboard: ${message}`);
  if (!expected && process.env.LOG_LEVEL === 'debug') console.error(error);
  process.exit(1);
}
