import { NotFoundError } from '@switchboard/core';
import type { Db } from '../database/open.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { ConflictError, isUniqueViolation, uniqueViolationTarget } from './errors.js';

const SECRETS_PURPOSE = 'channel_installation.secrets';

export type InstallationStatus = 'active' | 'revoked';
type JsonObject = Record<string, unknown>;

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

function toRecord(row: Row): InstallationRecord {
  return { ...row, config: (row.config ?? {}) as JsonObject };
}

export class InstallationStore {
  constructor(
    private readonly db: Db,
    private readonly secretBox: SecretBox,
  ) {}

  private seal(secrets: JsonObject): string | null {
    return Object.keys(secrets).length === 0 ? null : this.secretBox.sealJson(secrets, SECRETS_PURPOSE);
  }

  private conflict(error: unknown, channelType: string): never {
    if (isUniqueViolation(error)) {
      const target = uniqueViolationTarget(error);
      const message = /app_id/.test(target)
        ? `this ${channelType} app is already installed`
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
    const data = {
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
      this.conflict(error, input.channelType);
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
    try {
      const row = await this.db.channelInstallation.create({
        data: {
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
      this.conflict(error, input.channelType);
    }
  }

  /**
   * The active installations of a type whose public config has `key` = `value`, oldest first, with
   * secrets (the app-level route finds an app's installations by its app key this way).
   */
  async listActiveByConfigValue(
    channelType: string,
    key: string,
    value: string,
  ): Promise<InstallationWithSecrets[]> {
    const rows = await this.db.channelInstallation.findMany({
      where: { channelType, status: 'active', config: { path: [key], equals: value } },
      select: { id: true },
      orderBy: { createdAt: 'asc' },
    });
    return Promise.all(rows.map((row) => this.getWithSecrets(row.id)));
  }

  /** Replaces the config and secrets (the caller has merged and validated the patch). */
  async replaceConfig(
    workspaceId: string,
    id: string,
    input: { config: JsonObject; secrets: JsonObject },
  ): Promise<InstallationRecord> {
    const current = await this.get(workspaceId, id);
    try {
      const row = await this.db.channelInstallation.update({
        where: { id: current.id },
        data: { config: input.config as Prisma.InputJsonValue, secretsSealed: this.seal(input.secrets) },
        select: installationSelect,
      });
      return toRecord(row);
    } catch (error) {
      this.conflict(error, current.channelType);
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
