import type { PluginCommandGroup } from '@switchboard/core';
import { slackAppManifest } from './manifest.js';

/** `switchboard slack manifest`: the app manifest to paste into api.slack.com, for either mode. */
export const slackCommands: PluginCommandGroup = {
  name: 'slack',
  description: 'Slack app setup',
  commands: [
    {
      name: 'manifest',
      description: 'print a Slack app manifest (api.slack.com/apps -> Create New App -> From a manifest)',
      options: [
        {
          flags: '--socket-mode',
          description: 'Socket Mode: no public URL needed (the hub connects out to Slack)',
        },
        {
          flags: '--url <publicUrl>',
          description: 'public base URL of the hub (Events API mode; env SWITCHBOARD_PUBLIC_URL)',
        },
        {
          flags: '--installation <id>',
          description: 'installation whose webhook receives the events (Events API mode)',
        },
        { flags: '--name <name>', description: 'app and bot name', defaultValue: 'Switchboard' },
      ],
      run(options, io) {
        const socketMode = options.socketMode === true;
        const publicUrl = stringOption(options.url) ?? io.env.SWITCHBOARD_PUBLIC_URL;
        const installationId = stringOption(options.installation);
        if (!socketMode && !publicUrl) {
          io.fail('pass --url https://<public address of the hub>, or --socket-mode to need none');
        }
        io.printJson(
          slackAppManifest({
            name: stringOption(options.name) ?? 'Switchboard',
            socketMode,
            ...(publicUrl ? { publicUrl } : {}),
            ...(installationId ? { installationId } : {}),
          }),
        );
        if (!socketMode && !installationId) {
          io.note(
            'The request URL is left out: create the installation first, then run this again with ' +
              '--installation <id> and paste the manifest into the app (Slack checks the URL then).',
          );
        }
      },
    },
  ],
};

const stringOption = (value: string | boolean | undefined): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
