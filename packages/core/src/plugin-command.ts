/**
 * Commands a plugin adds to the hub's CLI, as `switchboard <group> <command>`: platform setup
 * helpers (an app manifest, a checklist) that the hub cannot offer without naming the platform.
 * Declared as data so core needs no CLI library; the hub turns them into its own commands.
 */
export interface PluginCommandGroup {
  /** The first word after `switchboard`, e.g. `acme`. Must not clash with a built-in command. */
  readonly name: string;
  readonly description: string;
  readonly commands: readonly PluginCommand[];
}

export interface PluginCommand {
  readonly name: string;
  readonly description: string;
  readonly options?: readonly PluginCommandOption[];
  /** Option values are keyed by their camel-cased long name (`--socket-mode` -> `socketMode`). */
  run(options: PluginCommandOptions, io: PluginCommandIo): void | Promise<void>;
}

export interface PluginCommandOption {
  /** As a CLI spells it: `--url <publicUrl>` takes a value, `--socket-mode` is a switch. */
  readonly flags: string;
  readonly description: string;
  readonly defaultValue?: string;
}

export type PluginCommandOptions = Readonly<Record<string, string | boolean | undefined>>;

/** What a command may do: read the environment, print a result, explain, or refuse. */
export interface PluginCommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The command's result on stdout, one JSON document. */
  printJson(value: unknown): void;
  /** A line for the person, on stderr, so stdout stays machine-readable. */
  note(message: string): void;
  /** Ends the command with this message and a failing exit code. */
  fail(message: string): never;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

const WORD = /^[a-z][a-z0-9-]{0,31}$/;
const FLAGS = /^--[a-z][a-z0-9-]*( <[A-Za-z][A-Za-z0-9]*>)?$/;

/** Problems of one declared command group, one sentence each; empty when it is well formed. */
export function commandGroupProblems(value: unknown, index: number): string[] {
  const label = `commands[${index}]`;
  if (!isObject(value)) return [`${label} is not an object`];
  const problems: string[] = [];
  if (typeof value.name !== 'string' || !WORD.test(value.name)) {
    problems.push(`${label}.name must be a lower-case word like "acme"`);
  }
  if (typeof value.description !== 'string') problems.push(`${label}.description must be a string`);
  if (!Array.isArray(value.commands) || value.commands.length === 0) {
    return [...problems, `${label}.commands must be a non-empty array`];
  }
  for (const [i, command] of value.commands.entries()) {
    const at = `${label}.commands[${i}]`;
    if (!isObject(command)) {
      problems.push(`${at} is not an object`);
      continue;
    }
    if (typeof command.name !== 'string' || !WORD.test(command.name)) {
      problems.push(`${at}.name must be a lower-case word`);
    }
    if (typeof command.description !== 'string') problems.push(`${at}.description must be a string`);
    if (typeof command.run !== 'function') problems.push(`${at}.run must be a function`);
    const options = command.options ?? [];
    if (!Array.isArray(options)) {
      problems.push(`${at}.options must be an array when present`);
      continue;
    }
    for (const [j, option] of options.entries()) {
      if (!isObject(option) || typeof option.flags !== 'string' || !FLAGS.test(option.flags)) {
        problems.push(`${at}.options[${j}].flags must read like "--name <value>" or "--switch"`);
      }
    }
  }
  return problems;
}
