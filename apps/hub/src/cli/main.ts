import { DataDirLockedError } from '@switchboard/db';
import { Command, CommanderError } from 'commander';
import { HUB_VERSION } from '../app.js';
import { InvalidSettingsError } from '../config/env.js';
import { CliError } from './client.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerAgentCommands } from './commands/agent.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerDbCommands } from './commands/db.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerInstallationCommands } from './commands/installation.js';
import { registerMemberCommands } from './commands/member.js';
import { registerSlackCommands } from './commands/slack.js';
import { registerStartCommand } from './commands/start.js';
import { registerTokenCommands } from './commands/token.js';
import { registerWorkspaceCommands } from './commands/workspace.js';

const program = new Command('switchboard').description('Switchboard hub').version(HUB_VERSION);
program.exitOverride();
registerStartCommand(program);
registerDbCommands(program);
registerWorkspaceCommands(program);
registerAdminCommands(program);
registerMemberCommands(program);
registerTokenCommands(program);
registerAgentCommands(program);
registerInstallationCommands(program);
registerAuditCommands(program);
registerSlackCommands(program);
registerDoctorCommand(program);

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
