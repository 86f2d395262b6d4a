import { NotFoundError } from '@switchboard/core';
import type { Db } from '../database/open.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { ConflictError, isUniqueViolation, uniqueViolationTarget } from './errors.js';

const SECRETS_PURPOSE = 'channel_installation.secrets';

export type InstallationStatus = 'active' | 'revoked';
type JsonObject = Record<string, unknown>;

/**
 * Which app an installation belongs to (`app_key`, null for none) and which installation of that
 * app it is (`installation_key`, '' when the app has one installation). At most one active
 * installation holds a given (channel type, app key, installation key).
 */
export interface InstallationKeys {
  appKey: string | null;
  installationKey: string;
  /** The config field the installation key comes from, named in the conflict message. */
  installationKeyField?: string;
}

/** Derives the keys of an installation from its public config (the hub knows each type's rule). */
export type InstallationKeyRule = (channelType: string, config: JsonObject) => InstallationKeys;

/** A config value usable as a key: a non-empty string or a number; anything else is no key. */
export function configKey(config: JsonObject, field: string): string | null {
  const value = config[field];
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * The rule for channel types without an app-level route: the app id names the app, and an app has
 * one active installation.
 */
export const appIdInstallationKeys: InstallationKeyRule = (_channelType, config) => ({
  appKey: configKey(config, 'app_id'),
  installationKey: '',
});

/** An installation without its secrets: safe to log and to return from the API. */
export interface InstallationRecord {
  id: string;
  workspaceId: string;
  /** Null only for account-provisioner installations, which have no chat and no agent. */
  agentId: string | null;
  channelType: string;
  config: JsonObject;
  status: InstallationStatus;
  installedByUserId: string | null;
  createdAt: Date;
  updatedAt: Date;
  revokedAt: Date | null;
}

export interface InstallationWithSecrets extends InstallationRecord {
  secrets: JsonObject;
}

const installationSelect = {
  id: true,
  workspaceId: true,
  agentId: true,
  channelType: true,
  config: true,
  status: true,
  installedByUserId: true,
  createdAt: true,
  updatedAt: true,
  revokedAt: true,
} as const;

type Row = Prisma.ChannelInstallationGetPayload<{ select: typeof installationSelect }>;

type KeyColumns = { appKey: string | null; installationKey: string };

function appConflictMessage(channelType: string, keys: InstallationKeys): string {
  if (keys.installationKey === '') return `this ${channelType} app is already installed`;
  const what = keys.installationKeyField ?? 'installation key';
  return `this ${channelType} app is already installed for that ${what} (${keys.installationKey})`;
}

function toRecord(row: Row): InstallationRecord {
  return { ...row, config: (row.config ?? {}) as JsonObject };
}

export class InstallationStore {
  constructor(
    private readonly db: Db,
    private readonly secretBox: SecretBox,
    private readonly keysOf: InstallationKeyRule = appIdInstallationKeys,
  ) {}

  private keyColumns(channelType: string, config: JsonObject): { keys: InstallationKeys; data: KeyColumns } {
    const keys = this.keysOf(channelType, config);
    return { keys, data: { appKey: keys.appKey, installationKey: keys.installationKey } };
  }

  private seal(secrets: JsonObject): string | null {
    return Object.keys(secrets).length === 0 ? null : this.secretBox.sealJson(secrets, SECRETS_PURPOSE);
  }

  private conflict(error: unknown, channelType: string, keys: InstallationKeys): never {
    if (isUniqueViolation(error)) {
      const target = uniqueViolationTarget(error);
      const message = /app_key|installation_key/.test(target)
        ? appConflictMessage(channelType, keys)
        : `the agent already has a ${channelType} installation`;
      throw new ConflictError('installation', message, { cause: error });
    }
    throw error;
  }

  /**
   * Creates an installation. A revoked installation of the same (workspace, agent, channel type)
   * is re-activated with the new config instead: the row is kept for its audit history.
   */
  async create(input: {
    workspaceId: string;
    agentId: string;
    channelType: string;
    config: JsonObject;
    secrets: JsonObject;
    installedByUserId?: string;
  }): Promise<InstallationRecord> {
    const { keys, data: keyData } = this.keyColumns(input.channelType, input.config);
    const data = {
      ...keyData,
      config: input.config as Prisma.InputJsonValue,
      secretsSealed: this.seal(input.secrets),
      installedByUserId: input.installedByUserId ?? null,
    };
    try {
      const row = await this.db.$transaction(async (tx) => {
        const existing = await tx.channelInstallation.findUnique({
          where: {
            workspaceId_agentId_channelType: {
              workspaceId: input.workspaceId,
              agentId: input.agentId,
              channelType: input.channelType,
            },
          },
          select: { id: true, status: true },
        });
        if (existing?.status === 'revoked') {
          return tx.channelInstallation.update({
            where: { id: existing.id },
            data: { ...data, status: 'active', revokedAt: null, leaseOwner: null, leaseExpiresAt: null },
            select: installationSelect,
          });
        }
        return tx.channelInstallation.create({
          data: {
            ...data,
            workspaceId: input.workspaceId,
            agentId: input.agentId,
            channelType: input.channelType,
          },
          select: installationSelect,
        });
      });
      return toRecord(row);
    } catch (error) {
      this.conflict(error, input.channelType, keys);
    }
  }

  async list(workspaceId: string): Promise<InstallationRecord[]> {
    const rows = await this.db.channelInstallation.findMany({
      where: { workspaceId },
      orderBy: { createdAt: 'asc' },
      select: installationSelect,
    });
    return rows.map(toRecord);
  }

  /** Reads an installation of one workspace; another workspace's is reported as not found. */
  async get(workspaceId: string, id: string): Promise<InstallationRecord> {
    const row = await this.db.channelInstallation.findFirst({
      where: { id, workspaceId },
      select: installationSelect,
    });
    if (!row) throw new NotFoundError('installation', id);
    return toRecord(row);
  }

  /** Reads an installation with its secrets opened, for the adapter that needs them. */
  async getWithSecrets(id: string): Promise<InstallationWithSecrets> {
    const row = await this.db.channelInstallation.findUnique({
      where: { id },
      select: { ...installationSelect, secretsSealed: true },
    });
    if (!row) throw new NotFoundError('installation', id);
    const { secretsSealed, ...rest } = row;
    return {
      ...toRecord(rest),
      secrets:
        secretsSealed === null ? {} : this.secretBox.openJson<JsonObject>(secretsSealed, SECRETS_PURPOSE),
    };
  }

  /** Every installation with secrets (for `doctor` and the supervisor). */
  async listAllWithSecrets(filter: { status?: InstallationStatus } = {}): Promise<InstallationWithSecrets[]> {
    const rows = await this.db.channelInstallation.findMany({
      where: filter.status ? { status: filter.status } : {},
      select: { id: true },
      orderBy: { createdAt: 'asc' },
    });
    return Promise.all(rows.map((row) => this.getWithSecrets(row.id)));
  }

  /**
   * Creates the installation of an account provisioner (e.g. a GitHub org): no chat, so no agent.
   * Several may exist per workspace and type (one per org).
   */
  async createForProvisioner(input: {
    workspaceId: string;
    channelType: string;
    config: JsonObject;
    secrets: JsonObject;
    installedByUserId?: string;
  }): Promise<InstallationRecord> {
    const { keys, data: keyData } = this.keyColumns(input.channelType, input.config);
    try {
      const row = await this.db.channelInstallation.create({
        data: {
          ...keyData,
          workspaceId: input.workspaceId,
          agentId: null,
          channelType: input.channelType,
          config: input.config as Prisma.InputJsonValue,
          secretsSealed: this.seal(input.secrets),
          installedByUserId: input.installedByUserId ?? null,
        },
        select: installationSelect,
      });
      return toRecord(row);
    } catch (error) {
      this.conflict(error, input.channelType, keys);
    }
  }

  /**
   * The active installations of one app (channel type + app key), oldest first, with secrets: the
   * app-level route finds them this way, on the index that keeps their installation keys unique.
   */
  async listActiveByAppKey(channelType: string, appKey: string): Promise<InstallationWithSecrets[]> {
    const rows = await this.db.channelInstallation.findMany({
      where: { channelType, appKey, status: 'active' },
      select: { ...installationSelect, secretsSealed: true },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map(({ secretsSealed, ...rest }) => ({
      ...toRecord(rest),
      secrets:
        secretsSealed === null ? {} : this.secretBox.openJson<JsonObject>(secretsSealed, SECRETS_PURPOSE),
    }));
  }

  /**
   * Sets the keys of one channel type's installations written before the hub knew its rule (the
   * migration could fill only the app id): rows still without an installation key whose config
   * has `installationKeyField`. Idempotent and cheap once done; returns the rows it changed.
   */
  async backfillAppKeys(
    channelType: string,
    fields: { appKeyField: string; installationKeyField: string },
  ): Promise<number> {
    return this.db.$executeRaw`
      UPDATE "channel_installation"
      SET "app_key" = "config"->>${fields.appKeyField},
          "installation_key" = "config"->>${fields.installationKeyField}
      WHERE "channel_type" = ${channelType}
        AND "installation_key" = ''
        AND "config"->>${fields.appKeyField} <> ''
        AND "config"->>${fields.installationKeyField} <> ''`;
  }

  /** Replaces the config and secrets (the caller has merged and validated the patch). */
  async replaceConfig(
    workspaceId: string,
    id: string,
    input: { config: JsonObject; secrets: JsonObject },
  ): Promise<InstallationRecord> {
    const current = await this.get(workspaceId, id);
    const { keys, data: keyData } = this.keyColumns(current.channelType, input.config);
    try {
      const row = await this.db.channelInstallation.update({
        where: { id: current.id },
        data: {
          ...keyData,
          config: input.config as Prisma.InputJsonValue,
          secretsSealed: this.seal(input.secrets),
        },
        select: installationSelect,
      });
      return toRecord(row);
    } catch (error) {
      this.conflict(error, current.channelType, keys);
    }
  }

  /** Who holds the installation's long-connection lease, and until when. */
  async lease(id: string): Promise<{ owner: string | null; expiresAt: Date | null; generation: bigint }> {
    const row = await this.db.channelInstallation.findUnique({
      where: { id },
      select: { leaseOwner: true, leaseExpiresAt: true, leaseGeneration: true },
    });
    if (!row) throw new NotFoundError('installation', id);
    return { owner: row.leaseOwner, expiresAt: row.leaseExpiresAt, generation: row.leaseGeneration };
  }

  /** Marks the installation revoked; the row is kept. Revoking twice is a no-op. */
  async revoke(workspaceId: string, id: string): Promise<InstallationRecord> {
    const current = await this.get(workspaceId, id);
    if (current.status === 'revoked') return current;
    const row = await this.db.channelInstallation.update({
      where: { id: current.id },
      data: { status: 'revoked', revokedAt: new Date(), leaseOwner: null, leaseExpiresAt: null },
      select: installationSelect,
    });
    return toRecord(row);
  }
}
