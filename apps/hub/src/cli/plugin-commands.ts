import type { PluginCommandGroup, PluginCommandOptions } from '@switchboard/core';
import type { Command } from 'commander';
import type { NamedPlugin } from '../channels/registry.js';
import { CliError } from './client.js';
import { note, printJson } from './output.js';

/**
 * Adds every plugin's command groups to the program (`switchboard <group> <command>`). A group
 * named like a built-in command, or claimed by two plugins, is a configuration mistake.
 */
export function registerPluginCommands(program: Command, plugins: readonly NamedPlugin[]): void {
  const owners = new Map<string, string>(program.commands.map((command) => [command.name(), 'the hub']));
  for (const { name: source, plugin } of plugins) {
    for (const group of plugin.commands ?? []) {
      const owner = owners.get(group.name);
      if (owner !== undefined) {
        throw new CliError(`${source} adds the command "${group.name}", which ${owner} already has`);
      }
      owners.set(group.name, source);
      registerGroup(program, group);
    }
  }
}

function registerGroup(program: Command, group: PluginCommandGroup): void {
  const parent = program.command(group.name).description(group.description);
  for (const declared of group.commands) {
    const command = parent.command(declared.name).description(declared.description);
    for (const option of declared.options ?? []) {
      command.option(option.flags, option.description, option.defaultValue);
    }
    command.action(async (options: PluginCommandOptions) => {
      await declared.run(options, {
        env: process.env,
        printJson,
        note,
        fail(message: string): never {
          throw new CliError(message);
        },
      });
    });
  }
}

/**
 * Whether the arguments may name a plugin's command: anything but a built-in one (plugins are
 * imported only then, so everyday commands do not pay for loading every adapter's SDK).
 */
export function mayNamePluginCommand(program: Command, argv: readonly string[]): boolean {
  const first = argv.slice(2).find((arg) => !arg.startsWith('-'));
  if (first === undefined || first === 'help') return true;
  return !program.commands.some((command) => command.name() === first || command.aliases().includes(first));
}
