import type { Logger } from '@switchboard/core';
import type { Db, Stores } from '@switchboard/db';
import { claimLease, releaseLease } from '../supervisor/lease.js';
import type { AccountProvisioningService } from './account-service.js';

export interface AccountReconcileTiming {
  /** Between passes; default 10 minutes (invitations live for days; platforms limit reads). */
  intervalMs?: number;
  /** How long one replica holds an installation's lease for a pass; default 5 minutes. */
  leaseTtlMs?: number;
  /**
   * A webhook delivery answered before its work was done, and unfinished this long, was left by
   * a replica that died: the pass finishes it. Default 1 minute (the work takes seconds).
   */
  staleDeliveryMs?: number;
}

/**
 * The scheduled pass over open account requests: platforms send no event when an invitation
 * expires, and webhooks can be missed. Each installation with open rows is reconciled under its
 * installation lease, so across replicas one pass runs per installation at a time.
 */
export class AccountReconciler {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(
    private readonly options: {
      db: Db;
      stores: Pick<Stores, 'accounts'>;
      accounts: AccountProvisioningService;
      ownerId: string;
      logger: Logger;
    } & AccountReconcileTiming,
  ) {}

  /** One pass over every installation with pending or invited rows; counts what it did. */
  async runOnce(): Promise<{ installations: number; changed: number; skipped: number }> {
    // Active rows too: their deferred grants may still be due.
    const ids = await this.options.stores.accounts.installationsWith(['pending', 'invited', 'active']);
    let installations = 0;
    let changed = 0;
    let skipped = 0;
    for (const installationId of ids) {
      const generation = await claimLease(
        this.options.db,
        installationId,
        this.options.ownerId,
        this.options.leaseTtlMs ?? 5 * 60 * 1000,
      );
      if (generation === null) {
        skipped += 1;
        continue;
      }
      installations += 1;
      try {
        changed += await this.options.accounts.reconcile(
          installationId,
          this.options.staleDeliveryMs !== undefined ? { staleDeliveryMs: this.options.staleDeliveryMs } : {},
        );
      } catch (error) {
        this.options.logger.warn({ installationId, err: error }, 'account reconcile pass failed');
      } finally {
        await releaseLease(this.options.db, { installationId, owner: this.options.ownerId, generation });
      }
    }
    return { installations, changed, skipped };
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(
      () => {
        if (this.#running) return;
        this.#running = this.runOnce().finally(() => {
          this.#running = undefined;
        });
      },
      this.options.intervalMs ?? 10 * 60 * 1000,
    );
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
