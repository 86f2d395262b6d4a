import { Command } from 'commander';
import { HUB_VERSION } from '../app.js';
import { registerAccountCommands } from './commands/account.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerAgentCommands } from './commands/agent.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerDbCommands } from './commands/db.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerInstallationCommands } from './commands/installation.js';
import { registerLoginLinkCommand } from './commands/login-link.js';
import { registerMemberCommands } from './commands/member.js';
import { registerStartCommand } from './commands/start.js';
import { registerStatusCommand } from './commands/status.js';
import { registerTokenCommands } from './commands/token.js';
import { registerWorkspaceCommands } from './commands/workspace.js';

/**
 * Every built-in command of the CLI (main.ts runs it; tests run it in-process). Plugins add
 * theirs with `registerPluginCommands`.
 */
export function buildProgram(): Command {
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
  registerDoctorCommand(program);
  registerStatusCommand(program);
  registerAccountCommands(program);
  registerLoginLinkCommand(program);

  return program;
}
