import { Command } from 'commander';
import { HUB_VERSION } from '../app.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerDbCommands } from './commands/db.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerStartCommand } from './commands/start.js';
import { registerWorkspaceCommands } from './commands/workspace.js';

const program = new Command('switchboard').description('Switchboard hub').version(HUB_VERSION);
registerStartCommand(program);
registerDbCommands(program);
registerWorkspaceCommands(program);
registerAdminCommands(program);
registerDoctorCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`switchboard: ${(error as Error).message}`);
  process.exit(1);
}
