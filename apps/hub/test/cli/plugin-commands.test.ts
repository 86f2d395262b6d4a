import { checkPlugin, definePlugin, InvalidPluginError } from '@switchboard/core';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/client.js';
import { mayNamePluginCommand, registerPluginCommands } from '../../src/cli/plugin-commands.js';
import { buildProgram } from '../../src/cli/program.js';
import { runCli } from '../support/hub-process.js';

const greeter = definePlugin({
  namespaces: [{ scheme: 'greeter', format: '<id>', normalize: (id) => id }],
  factories: [],
  commands: [
    {
      name: 'greeter',
      description: 'greeter setup',
      commands: [
        {
          name: 'hello',
          description: 'says hello',
          options: [
            { flags: '--to <name>', description: 'whom', defaultValue: 'world' },
            { flags: '--loud', description: 'shout' },
          ],
          run(options, io) {
            if (options.to === 'nobody') io.fail('nobody to greet');
            io.printJson({ greeting: `hello ${String(options.to)}`, loud: options.loud === true });
          },
        },
      ],
    },
  ],
});

describe('commands contributed by plugins', () => {
  it('runs an adapter’s own command through the real CLI, loading plugins only for it', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'error' };
    delete env.SWITCHBOARD_PLUGINS;
    const result = await runCli(['slack', 'manifest', '--socket-mode', '--name', 'Ops bot'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const manifest = JSON.parse(result.stdout);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.display_information.name).toBe('Ops bot');

    const refused = await runCli(['slack', 'manifest'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('pass --url');
    expect(refused.stdout).toBe('');
  });

  it('passes options by their long names, defaults included, and turns fail() into a CLI error', async () => {
    const program = buildProgram();
    registerPluginCommands(program, [{ name: 'greeter-plugin', plugin: greeter }]);
    const printed: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => printed.push(chunk) > 0) as typeof process.stdout.write;
    try {
      await program.parseAsync(['node', 'switchboard', 'greeter', 'hello', '--loud']);
    } finally {
      process.stdout.write = write;
    }
    expect(JSON.parse(printed.join(''))).toEqual({ greeting: 'hello world', loud: true });

    const again = buildProgram();
    registerPluginCommands(again, [{ name: 'greeter-plugin', plugin: greeter }]);
    await expect(
      again.parseAsync(['node', 'switchboard', 'greeter', 'hello', '--to', 'nobody']),
    ).rejects.toThrow(new CliError('nobody to greet'));
  });

  it('refuses a group that shadows a built-in command or another plugin’s group', () => {
    const shadowing = definePlugin({
      factories: [],
      namespaces: [{ scheme: 'shadow', format: '<id>', normalize: (id) => id }],
      commands: [{ name: 'agent', description: 'x', commands: [{ name: 'x', description: 'x', run() {} }] }],
    });
    expect(() =>
      registerPluginCommands(buildProgram(), [{ name: 'shadow-plugin', plugin: shadowing }]),
    ).toThrow(/shadow-plugin adds the command "agent", which the hub already has/);
    expect(() =>
      registerPluginCommands(buildProgram(), [
        { name: 'first', plugin: greeter },
        { name: 'second', plugin: greeter },
      ]),
    ).toThrow(/second adds the command "greeter", which first already has/);
  });

  it('loads plugins only when the arguments may name one of their commands', () => {
    const program = buildProgram();
    expect(mayNamePluginCommand(program, ['node', 'switchboard', 'agent', 'list'])).toBe(false);
    expect(mayNamePluginCommand(program, ['node', 'switchboard', '--json', 'doctor'])).toBe(false);
    expect(mayNamePluginCommand(program, ['node', 'switchboard', 'slack', 'manifest'])).toBe(true);
    expect(mayNamePluginCommand(program, ['node', 'switchboard'])).toBe(true);
    expect(mayNamePluginCommand(program, ['node', 'switchboard', 'help'])).toBe(true);
    expect(mayNamePluginCommand(new Command('x'), ['node', 'x', 'anything'])).toBe(true);
  });

  it('checks declared commands with the rest of the plugin', () => {
    const malformed = {
      ...greeter,
      commands: [
        { name: 'Bad Name', description: 'x', commands: [{ name: 'go', options: [{ flags: '-x' }] }] },
      ],
    };
    expect(() => checkPlugin(malformed, 'bad-plugin')).toThrow(InvalidPluginError);
    try {
      checkPlugin(malformed, 'bad-plugin');
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('commands[0].name must be a lower-case word');
      expect(message).toContain('commands[0].commands[0].description must be a string');
      expect(message).toContain('commands[0].commands[0].run must be a function');
      expect(message).toContain('commands[0].commands[0].options[0].flags');
    }
  });
});
