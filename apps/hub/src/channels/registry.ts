import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ChannelPlugin, checkPlugin, InvalidPluginError, Registry } from '@switchboard/core';

/**
 * The adapters a hub serves when its configuration names none: the first-party ones. This list is
 * the only place the hub names a platform; everything else asks the registry.
 */
export const DEFAULT_PLUGINS: readonly string[] = [
  '@switchboard/slack',
  '@switchboard/feishu',
  '@switchboard/whatsapp',
  '@switchboard/github-invite',
];

/** A plugin with the name it was loaded under, so errors and clashes can say which package. */
export interface NamedPlugin {
  name: string;
  plugin: ChannelPlugin;
}

/** `SWITCHBOARD_PLUGINS` (package names, comma or space separated), else `DEFAULT_PLUGINS`. */
export function configuredPluginNames(env: { SWITCHBOARD_PLUGINS?: string | undefined }): string[] {
  const names = (env.SWITCHBOARD_PLUGINS ?? '').split(/[\s,]+/).filter((name) => name.length > 0);
  return names.length > 0 ? [...new Set(names)] : [...DEFAULT_PLUGINS];
}

/** A registry of the given plugins (in order); two plugins claiming one type is an error. */
export function createChannelRegistry(plugins: ReadonlyArray<NamedPlugin | ChannelPlugin>): Registry {
  const registry = new Registry();
  plugins.forEach((entry, index) => {
    const named = 'plugin' in entry ? entry : { name: `plugin #${index + 1}`, plugin: entry };
    registry.registerPlugin(checkPlugin(named.plugin, named.name), named.name);
  });
  return registry;
}

export interface LoadPluginsOptions {
  /** Read for `SWITCHBOARD_PLUGINS`; defaults to `process.env`. */
  env?: { SWITCHBOARD_PLUGINS?: string | undefined };
  /**
   * Where a deployment installs extra adapter packages: `node_modules` here and in its parents is
   * searched before the hub's own dependencies. Defaults to the working directory.
   */
  installDir?: string;
}

/**
 * Imports every configured plugin package by name, checks its default export against the plugin
 * contract and registers its factories. Throws `InvalidPluginError` naming the package when one
 * is missing, exports no plugin or targets another plugin API version.
 */
export async function loadChannelRegistry(options: LoadPluginsOptions = {}): Promise<Registry> {
  return createChannelRegistry(await loadConfiguredPlugins(options));
}

/** Imports and checks every configured plugin package, in order (see `loadChannelRegistry`). */
export async function loadConfiguredPlugins(options: LoadPluginsOptions = {}): Promise<NamedPlugin[]> {
  const names = configuredPluginNames(options.env ?? process.env);
  const installDir = resolve(options.installDir ?? process.cwd());
  const plugins: NamedPlugin[] = [];
  for (const name of names) plugins.push({ name, plugin: await importPlugin(name, installDir) });
  return plugins;
}

async function importPlugin(name: string, installDir: string): Promise<ChannelPlugin> {
  const installed = locateInstalledEntry(name, installDir);
  let module: { default?: unknown };
  try {
    // A package installed next to the deployment wins; otherwise the hub's own dependencies.
    module = (await import(installed ? pathToFileURL(installed).href : name)) as { default?: unknown };
  } catch (error) {
    throw new InvalidPluginError(name, [
      `it could not be imported (${(error as Error).message}); install the package where the hub runs or next to the hub`,
    ]);
  }
  return checkPlugin(module.default, name);
}

/** `@scope/pkg/sub` -> package `@scope/pkg`, subpath `./sub`. */
function splitSpecifier(name: string): { packageName: string; subpath: string } {
  const parts = name.split('/');
  const length = name.startsWith('@') ? 2 : 1;
  const rest = parts.slice(length).join('/');
  return { packageName: parts.slice(0, length).join('/'), subpath: rest ? `./${rest}` : '.' };
}

/**
 * The entry file of package `name` installed under `node_modules` in `dir` or a parent, as Node's
 * ESM resolver would pick it (the `import`/`node`/`default` export conditions); undefined when
 * it is not installed there.
 */
function locateInstalledEntry(name: string, dir: string): string | undefined {
  const { packageName, subpath } = splitSpecifier(name);
  for (let current = dir; ; current = dirname(current)) {
    const packageDir = join(current, 'node_modules', packageName);
    const manifestPath = join(packageDir, 'package.json');
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
        exports?: unknown;
        main?: string;
      };
      const target = exportTarget(manifest.exports, subpath) ?? (subpath === '.' ? manifest.main : undefined);
      const entry = join(packageDir, target ?? (subpath === '.' ? 'index.js' : subpath));
      // A workspace package that was never built has no entry yet: import it by name, which
      // resolves its sources when the hub itself runs from source.
      if (!existsSync(entry)) return undefined;
      // The real path, as Node would load it: a linked package then resolves its own
      // dependencies from where it really lives.
      return realpathSync(entry);
    }
    if (dirname(current) === current) return undefined;
  }
}

const IMPORT_CONDITIONS = new Set(['import', 'node', 'default']);

function exportTarget(exportsField: unknown, subpath: string): string | undefined {
  if (exportsField === undefined || exportsField === null) return undefined;
  if (typeof exportsField === 'string') return subpath === '.' ? exportsField : undefined;
  if (typeof exportsField !== 'object') return undefined;
  const entries = Object.entries(exportsField as Record<string, unknown>);
  const isSubpathMap = entries.some(([key]) => key.startsWith('.'));
  return pickCondition(isSubpathMap ? (exportsField as Record<string, unknown>)[subpath] : exportsField);
}

function pickCondition(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (typeof target !== 'object' || target === null) return undefined;
  // Key order is the package's preference, as in Node's resolver.
  for (const [condition, value] of Object.entries(target as Record<string, unknown>)) {
    if (!IMPORT_CONDITIONS.has(condition)) continue;
    const picked = pickCondition(value);
    if (picked) return picked;
  }
  return undefined;
}
