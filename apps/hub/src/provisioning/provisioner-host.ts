import {
  type AccountProvisioner,
  isNotFound,
  type Logger,
  type Registry,
  validateConfig,
} from '@switchboard/core';
import type { InstallationRecord, InstallationStore } from '@switchboard/db';

export type ProvisionerLookup =
  | { status: 'active'; record: InstallationRecord; provisioner: AccountProvisioner }
  /** Unknown, revoked, or not an account-provisioner installation. */
  | { status: 'unknown' }
  /** The stored config no longer validates, or the type is no longer registered. */
  | { status: 'broken'; record: InstallationRecord; error: Error };

/**
 * Turns provisioner installation ids into provisioner instances, rebuilt when the installation's
 * row changed (its `updatedAt`), like the channel host does for channels.
 */
export class ProvisionerHost {
  readonly #built = new Map<string, { updatedAt: number; provisioner: AccountProvisioner }>();

  constructor(
    private readonly options: {
      installations: InstallationStore;
      registry: Registry;
      logger: Logger;
      fetch?: typeof globalThis.fetch;
    },
  ) {}

  async lookup(installationId: string): Promise<ProvisionerLookup> {
    let stored: Awaited<ReturnType<InstallationStore['getWithSecrets']>>;
    try {
      stored = await this.options.installations.getWithSecrets(installationId);
    } catch (error) {
      if (isNotFound(error)) return { status: 'unknown' };
      throw error;
    }
    const { secrets, ...record } = stored;
    const factory = this.options.registry.provisioner(record.channelType);
    if (record.status !== 'active' || record.agentId !== null) return { status: 'unknown' };
    if (!factory) {
      return {
        status: 'broken',
        record,
        error: new Error(`no provisioner "${record.channelType}" is registered`),
      };
    }
    const built = this.#built.get(installationId);
    if (built && built.updatedAt === record.updatedAt.getTime()) {
      return { status: 'active', record, provisioner: built.provisioner };
    }
    try {
      const config = validateConfig(factory, { ...record.config, ...secrets });
      const provisioner = factory.create(config, {
        installationId,
        logger: this.options.logger.child({ installationId }),
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      });
      this.#built.set(installationId, { updatedAt: record.updatedAt.getTime(), provisioner });
      return { status: 'active', record, provisioner };
    } catch (error) {
      this.options.logger.warn({ installationId, err: error }, 'account provisioner cannot be started');
      return { status: 'broken', record, error: error instanceof Error ? error : new Error(String(error)) };
    }
  }
}
