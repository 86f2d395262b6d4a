import type { z } from 'zod';
import type { ChannelFactory } from './channel.js';
import { InvalidPluginError } from './errors.js';
import type { Logger } from './logger.js';
import { commandGroupProblems, type PluginCommandGroup } from './plugin-command.js';
import type { AccountProvisioner, NamespaceRules } from './provisioning.js';

/**
 * The plugin contract's version. The hub refuses a plugin built for another one, so a breaking
 * change to `ChannelPlugin`, `ChannelFactory` or `Channel` bumps it.
 */
export const API_VERSION = 1;

/** Makes account provisioners for installations that are not chats (e.g. a GitHub org). */
export interface AccountProvisionerFactory<C extends Record<string, unknown> = Record<string, unknown>> {
  readonly type: string;
  readonly displayName?: string;
  /** A `z.object`; mark credentials with `secret(...)` so the hub seals them. */
  readonly configSchema: z.ZodType<C>;
  create(config: C, deps: AccountProvisionerDeps): AccountProvisioner;
  /** Like `ChannelFactory.setupSteps`: the platform-side steps that point it at `webhookUrl`. */
  setupSteps?(webhookUrl: string): string[];
}

/** What the hub hands an account provisioner it creates for one installation. */
export interface AccountProvisionerDeps {
  installationId: string;
  logger: Logger;
  /** Platform calls go through this (egress policy, tests); defaults to global fetch. */
  fetch?: typeof globalThis.fetch;
}

/** What an adapter package exports by default: `export default definePlugin({ factories: [...] })`. */
export interface ChannelPlugin {
  /** `API_VERSION` of the core the plugin was built against. */
  readonly apiVersion: number;
  readonly factories: readonly ChannelFactory[];
  readonly provisioners?: readonly AccountProvisionerFactory[];
  /** The identity namespaces of the plugin's platform and their rules (see `NamespaceRules`). */
  readonly namespaces?: readonly NamespaceRules[];
  /** CLI commands of the plugin's platform (`switchboard <group> <command>`). */
  readonly commands?: readonly PluginCommandGroup[];
}

/** A plugin for this core's `API_VERSION`; the one place an adapter names its factories. */
export function definePlugin(parts: {
  factories: readonly ChannelFactory[];
  provisioners?: readonly AccountProvisionerFactory[];
  namespaces?: readonly NamespaceRules[];
  commands?: readonly PluginCommandGroup[];
}): ChannelPlugin {
  return {
    apiVersion: API_VERSION,
    factories: parts.factories,
    ...(parts.provisioners ? { provisioners: parts.provisioners } : {}),
    ...(parts.namespaces ? { namespaces: parts.namespaces } : {}),
    ...(parts.commands ? { commands: parts.commands } : {}),
  };
}

const TYPE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

function factoryProblems(kind: string, value: unknown, index: number): string[] {
  const label = `${kind}[${index}]`;
  if (!isObject(value)) return [`${label} is not an object`];
  const problems: string[] = [];
  const type = value.type;
  if (typeof type !== 'string' || !TYPE_NAME.test(type)) {
    problems.push(`${label}.type must be a lower-case name like "acme-chat"`);
  }
  const named = typeof type === 'string' ? `${kind} "${type}"` : label;
  if (value.displayName !== undefined && typeof value.displayName !== 'string') {
    problems.push(`${named}: displayName must be a string`);
  }
  if (!isObject(value.configSchema) || typeof value.configSchema.safeParse !== 'function') {
    problems.push(`${named}: configSchema must be a zod schema`);
  }
  if (typeof value.create !== 'function') problems.push(`${named}: create must be a function`);
  const window = value.redeliveryWindowMs;
  if (window !== undefined && (typeof window !== 'number' || !Number.isInteger(window) || window < 0)) {
    problems.push(`${named}: redeliveryWindowMs must be a whole number of milliseconds`);
  }
  if (value.setupSteps !== undefined && typeof value.setupSteps !== 'function') {
    problems.push(`${named}: setupSteps must be a function when present`);
  }
  if (
    value.heartbeatMs !== undefined &&
    (typeof value.heartbeatMs !== 'number' || !Number.isFinite(value.heartbeatMs) || value.heartbeatMs <= 0)
  ) {
    problems.push(`${named}: heartbeatMs must be a positive number of milliseconds when present`);
  }
  if (value.holdsLongConnection !== undefined && typeof value.holdsLongConnection !== 'function') {
    problems.push(`${named}: holdsLongConnection must be a function when present`);
  }
  if (value.appRoute !== undefined) problems.push(...appRouteProblems(named, value.appRoute));
  return problems;
}

function appRouteProblems(named: string, route: unknown): string[] {
  if (!isObject(route)) return [`${named}: appRoute must be an object`];
  const problems: string[] = [];
  for (const field of ['appKeyField', 'installationKeyField'] as const) {
    if (typeof route[field] !== 'string' || route[field] === '') {
      problems.push(`${named}: appRoute.${field} must name a config key`);
    }
  }
  for (const hook of ['verify', 'route'] as const) {
    if (typeof route[hook] !== 'function') problems.push(`${named}: appRoute.${hook} must be a function`);
  }
  return problems;
}

const SCHEME = /^[a-z][a-z0-9_]{0,31}$/;

function namespaceProblems(value: unknown, index: number): string[] {
  const label = `namespaces[${index}]`;
  if (!isObject(value)) return [`${label} is not an object`];
  const problems: string[] = [];
  if (typeof value.scheme !== 'string' || !SCHEME.test(value.scheme)) {
    problems.push(`${label}.scheme must be a lower-case name like "acme_user"`);
  }
  if (typeof value.format !== 'string') problems.push(`${label}.format must describe the identifier`);
  if (typeof value.normalize !== 'function') problems.push(`${label}.normalize must be a function`);
  for (const hook of ['usernameHint', 'linked'] as const) {
    if (value[hook] !== undefined && typeof value[hook] !== 'function') {
      problems.push(`${label}.${hook} must be a function when present`);
    }
  }
  return problems;
}

/**
 * Checks a module's default export against the plugin contract, structurally (the plugin may
 * carry its own copy of core), and returns it typed; throws `InvalidPluginError` naming every
 * problem, with `source` (the package name) in the message.
 */
export function checkPlugin(value: unknown, source: string): ChannelPlugin {
  if (value === undefined) {
    throw new InvalidPluginError(source, [
      'it has no default export; end its entry module with `export default definePlugin({ factories: [...] })`',
    ]);
  }
  if (!isObject(value)) throw new InvalidPluginError(source, ['its default export is not a plugin object']);
  if (value.apiVersion !== API_VERSION) {
    const found = typeof value.apiVersion === 'number' ? `version ${value.apiVersion}` : 'no apiVersion';
    throw new InvalidPluginError(source, [
      `it targets plugin API ${found}; this hub supports version ${API_VERSION} (build it with definePlugin from a matching @switchboard/core)`,
    ]);
  }
  const problems: string[] = [];
  if (!Array.isArray(value.factories)) {
    problems.push('factories must be an array of channel factories');
  } else {
    for (const [i, factory] of value.factories.entries())
      problems.push(...factoryProblems('factory', factory, i));
  }
  if (value.provisioners !== undefined) {
    if (!Array.isArray(value.provisioners)) {
      problems.push('provisioners must be an array when present');
    } else {
      for (const [i, factory] of value.provisioners.entries()) {
        problems.push(...factoryProblems('provisioner', factory, i));
      }
    }
  }
  if (value.namespaces !== undefined) {
    if (!Array.isArray(value.namespaces)) problems.push('namespaces must be an array when present');
    else for (const [i, rules] of value.namespaces.entries()) problems.push(...namespaceProblems(rules, i));
  }
  if (value.commands !== undefined) {
    if (!Array.isArray(value.commands)) problems.push('commands must be an array when present');
    else for (const [i, group] of value.commands.entries()) problems.push(...commandGroupProblems(group, i));
  }
  const factories = Array.isArray(value.factories) ? value.factories : [];
  const provisioners = Array.isArray(value.provisioners) ? value.provisioners : [];
  const namespaces = Array.isArray(value.namespaces) ? value.namespaces : [];
  if (factories.length + provisioners.length + namespaces.length === 0 && problems.length === 0) {
    problems.push('it declares no factories, provisioners or namespaces');
  }
  if (problems.length > 0) throw new InvalidPluginError(source, problems);
  return value as unknown as ChannelPlugin;
}
