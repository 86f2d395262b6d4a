import { slackAppManifest } from '@switchboard/slack';
import type { Command } from 'commander';
import { CliError } from '../client.js';
import { note, printJson } from '../output.js';

export function registerSlackCommands(program: Command): void {
  const slack = program.command('slack').description('Slack app setup');
  slack
    .command('manifest')
    .description('print a Slack app manifest (api.slack.com/apps -> Create New App -> From a manifest)')
    .option('--socket-mode', 'Socket Mode: no public URL needed (the hub connects out to Slack)')
    .option('--url <publicUrl>', 'public base URL of the hub (Events API mode; env SWITCHBOARD_PUBLIC_URL)')
    .option('--installation <id>', 'installation whose webhook receives the events (Events API mode)')
    .option('--name <name>', 'app and bot name', 'Switchboard')
    .action((flags: { socketMode?: boolean; url?: string; installation?: string; name: string }) => {
      const publicUrl = flags.url ?? process.env.SWITCHBOARD_PUBLIC_URL;
      if (!flags.socketMode && !publicUrl) {
        throw new CliError('pass --url https://<public address of the hub>, or --socket-mode to need none');
      }
      printJson(
        slackAppManifest({
          name: flags.name,
          socketMode: flags.socketMode === true,
          ...(publicUrl ? { publicUrl } : {}),
          ...(flags.installation ? { installationId: flags.installation } : {}),
        }),
      );
      if (!flags.socketMode && !flags.installation) {
        note(
          'The request URL is left out: create the installation first, then run this again with ' +
            '--installation <id> and paste the manifest into the app (Slack checks the URL then).',
        );
      }
    });
}
