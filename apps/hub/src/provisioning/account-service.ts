import type {
  AccountEvent,
  AccountGrant,
  AccountProvisioner,
  CreateAccountResult,
  Logger,
  ProvisionedAccount,
} from '@switchboard/core';
import type { AccountRecord, AccountState, Stores } from '@switchboard/db';
import type { ProvisionerHost } from './provisioner-host.js';

/** Why a request could not even be tried; the API maps these to 4xx answers. */
export class AccountRequestError extends Error {
  constructor(
    readonly code: 'unknown_installation' | 'installation_unavailable' | 'no_member',
    message: string,
  ) {
    super(message);
  }
}

export interface AccountRequestInput {
  login?: string;
  email?: string;
  externalId?: string;
  role?: string;
  teams?: string[];
  grants?: AccountGrant[];
}

export type AccountEventOutcome = 'applied' | 'unknown_pending' | 'already_final';

/**
 * Orchestrates account provisioners: persists each request in `account_provisioning` before the
 * platform is asked (a crash leaves a visible `pending` row, never an invisible invitation),
 * records the outcome, and applies the deferred grants once the account is active.
 *
 * Lifecycle: pending -> invited -> active | expired | failed | canceled; pending -> active | failed.
 * Transitions are compare-and-set on the state, so a redelivered acceptance changes a row once and
 * grants are applied at most once (`grants_applied_at`).
 */
export class AccountProvisioningService {
  constructor(
    private readonly options: {
      stores: Pick<Stores, 'accounts' | 'members'>;
      host: ProvisionerHost;
      logger: Logger;
    },
  ) {}

  /** The user's open request on the installation if there is one, else a new one, tried now. */
  async request(
    workspaceId: string,
    userId: string,
    installationId: string,
    input: AccountRequestInput,
  ): Promise<{ account: AccountRecord; created: boolean }> {
    const lookup = await this.options.host.lookup(installationId);
    if (lookup.status === 'unknown' || lookup.record.workspaceId !== workspaceId) {
      throw new AccountRequestError(
        'unknown_installation',
        'no active account-provisioner installation has this id',
      );
    }
    if (lookup.status === 'broken') {
      throw new AccountRequestError(
        'installation_unavailable',
        'the installation cannot be started; see doctor',
      );
    }
    const { accounts } = this.options.stores;
    const open = await accounts.findOpen(installationId, userId);
    if (open) return { account: open, created: false };
    const grants = input.grants ?? [];
    const row = await accounts.create({
      workspaceId,
      userId,
      installationId,
      channelType: lookup.record.channelType,
      grants,
      detail: {
        ...(input.login ? { login: input.login } : {}),
        ...(input.email ? { email: input.email } : {}),
      },
    });
    let result: CreateAccountResult;
    try {
      result = await lookup.provisioner.createAccount({ workspaceId, userId, ...input, grants });
    } catch (error) {
      result = { status: 'error', code: 'transient', message: (error as Error).message };
    }
    return { account: await this.#record(row, result, lookup.provisioner), created: true };
  }

  /**
   * Withdraws a request that is still pending or invited (the platform's invitation too, when the
   * provisioner can). Null when the row is not the user's; the row as it is when already final.
   */
  async cancel(workspaceId: string, userId: string, accountId: string): Promise<AccountRecord | null> {
    const { accounts } = this.options.stores;
    const row = await accounts.find(accountId);
    if (!row || row.workspaceId !== workspaceId || row.userId !== userId) return null;
    if (row.state !== 'pending' && row.state !== 'invited') return row;
    if (row.state === 'invited' && row.externalId && row.installationId) {
      const lookup = await this.options.host.lookup(row.installationId);
      if (lookup.status === 'active') await lookup.provisioner.cancel?.(row.externalId);
    }
    return (
      (await accounts.transition(row.id, ['pending', 'invited'], { state: 'canceled' })) ??
      accounts.get(row.id)
    );
  }

  list(workspaceId: string, userId: string): Promise<AccountRecord[]> {
    return this.options.stores.accounts.list(workspaceId, userId);
  }

  /** An adapter event about a pending invitation (accepted, expired, ...). */
  async handleEvent(installationId: string, event: AccountEvent): Promise<AccountEventOutcome> {
    const { accounts } = this.options.stores;
    const row = await accounts.findByPendingId(installationId, event.pendingId);
    if (!row) return 'unknown_pending';
    if (event.kind !== 'accepted') {
      const moved = await accounts.transition(row.id, ['pending', 'invited'], {
        state: event.kind,
        ...(event.detail ? { lastError: event.detail } : {}),
      });
      return moved ? 'applied' : 'already_final';
    }
    const moved = await accounts.transition(row.id, ['pending', 'invited'], {
      state: 'active',
      externalId: event.account.id,
      detail: { ...row.detail, ...accountDetail(event.account) },
    });
    if (!moved) return 'already_final';
    const lookup = await this.options.host.lookup(installationId);
    if (lookup.status === 'active') await this.#applyGrants(moved, event.account, lookup.provisioner);
    return 'applied';
  }

  async #record(row: AccountRecord, result: CreateAccountResult, provisioner: AccountProvisioner) {
    const { accounts } = this.options.stores;
    switch (result.status) {
      case 'success':
      case 'already_exists': {
        const account = result.account;
        const active = await accounts.transition(row.id, ['pending'], {
          state: 'active',
          externalId: account?.id ?? null,
          detail: { ...row.detail, ...(account ? accountDetail(account) : {}), outcome: result.status },
        });
        if (active && account) await this.#applyGrants(active, account, provisioner);
        return accounts.get(row.id);
      }
      case 'action_required':
        return (
          (await accounts.transition(row.id, ['pending'], {
            state: 'invited',
            externalId: result.pending.id,
            detail: { ...row.detail, pending: result.pending.detail },
            expiresAt: result.pending.expiresAt ? new Date(result.pending.expiresAt) : null,
          })) ?? accounts.get(row.id)
        );
      case 'error':
        return (
          (await accounts.transition(row.id, ['pending'], {
            state: 'failed',
            detail: { ...row.detail, errorCode: result.code },
            lastError: result.message,
          })) ?? accounts.get(row.id)
        );
    }
  }

  /** Deferred grants, at most once per row; a failure is kept on the row, the account stays active. */
  async #applyGrants(row: AccountRecord, account: ProvisionedAccount, provisioner: AccountProvisioner) {
    if (row.grants.length === 0 || !provisioner.applyGrants || row.grantsAppliedAt) return;
    let outcome: Awaited<ReturnType<NonNullable<AccountProvisioner['applyGrants']>>>;
    try {
      outcome = await provisioner.applyGrants(account, row.grants);
    } catch (error) {
      outcome = { status: 'error', message: (error as Error).message };
    }
    if (outcome.status === 'applied') {
      await this.options.stores.accounts.markGrantsApplied(row.id);
    } else {
      this.options.logger.warn(
        { accountId: row.id, err: outcome.message },
        'applying deferred grants failed',
      );
      await this.options.stores.accounts.recordError(row.id, `grants: ${outcome.message}`);
    }
  }
}

function accountDetail(account: ProvisionedAccount): Record<string, unknown> {
  return {
    accountId: account.id,
    ...(account.login ? { login: account.login } : {}),
    ...(account.email ? { email: account.email } : {}),
  };
}

export type { AccountState };
