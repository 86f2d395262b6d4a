import {
  type AccountEvent,
  type AccountGrant,
  type AccountProvisioner,
  type CreateAccountResult,
  isCredentialsRefused,
  type Logger,
  type PendingAccountRequest,
  type ProvisionedAccount,
} from '@switchboard/core';
import type { AccountRecord, AccountState, Stores } from '@switchboard/db';
import type { NamespaceBook } from '../identity/namespaces.js';
import { linkAccountIdentities } from './account-identities.js';
import { KeyedLock } from './keyed-lock.js';
import type { ProvisionerHost } from './provisioner-host.js';

/** Why a request could not even be tried; the API maps these to 4xx answers. */
export class AccountRequestError extends Error {
  constructor(
    readonly code: 'unknown_installation' | 'installation_unavailable' | 'no_member' | 'not_retryable',
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

/** `deferred`: the event needs the platform's answers; `completeDeferred` finishes it later. */
export type AccountEventOutcome = 'applied' | 'unknown_pending' | 'already_final' | 'deferred';

type DeliveryOutcomes = Array<{ kind: AccountEvent['kind']; outcome: AccountEventOutcome }>;

/** A deferred delivery left unfinished this long was abandoned by its replica. */
const ABANDONED_DEFERRED_MS = 60 * 1000;

export interface HandleEventOptions {
  /**
   * Wait at most this long for the deferred grants of an account that became active, then go on
   * while they finish (a webhook must be answered within seconds). A grant that fails later is
   * kept on the row and applied by the next reconcile pass.
   */
  grantBudgetMs?: number;
  /**
   * Do not ask the platform to correlate an account that joined without naming its invitation
   * (that takes list calls of unbounded latency): answer `deferred` instead.
   */
  deferCorrelation?: boolean;
}

/** Errors the platform may get over by itself: the row stays `pending` and is tried again later. */
const RETRY_LATER = new Set(['rate_limited', 'transient']);
/** A `pending` row without a retry time older than this was left by a crash mid-call. */
const STALE_PENDING_MS = 5 * 60 * 1000;
const DEFAULT_RETRY_MS = 60 * 1000;

/** The team-like grants of a request: `teams` as grants of kind `team`, each target once. */
function requestedGrants(input: AccountRequestInput): AccountGrant[] {
  const grants = new Map<string, AccountGrant>();
  for (const target of input.teams ?? [])
    grants.set(`team\u0000${target.toLowerCase()}`, { kind: 'team', target });
  for (const grant of input.grants ?? [])
    grants.set(`${grant.kind}\u0000${grant.target.toLowerCase()}`, grant);
  return [...grants.values()];
}

/** The person as the row keeps them (login, email, role), what a retry asks for again. */
function requestDetail(input: AccountRequestInput): Record<string, unknown> {
  return {
    ...(input.login ? { login: input.login } : {}),
    ...(input.email ? { email: input.email.toLowerCase() } : {}),
    ...(input.role ? { role: input.role } : {}),
  };
}

/** What was asked, kept on the row so a retry or a re-invitation can ask again. */
function storedInput(row: AccountRecord): AccountRequestInput {
  const text = (key: string) =>
    typeof row.detail[key] === 'string' ? (row.detail[key] as string) : undefined;
  const login = text('login');
  const email = text('email');
  const role = text('role');
  return {
    ...(login ? { login } : {}),
    ...(email ? { email } : {}),
    ...(role ? { role } : {}),
    grants: row.grants,
  };
}

function pendingRequest(row: AccountRecord): PendingAccountRequest | undefined {
  if (!row.externalId) return undefined;
  const { login, email } = storedInput(row);
  return { pendingId: row.externalId, ...(login ? { login } : {}), ...(email ? { email } : {}) };
}

const sameLogin = (a: unknown, b: string | undefined) =>
  typeof a === 'string' && b !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * Orchestrates account provisioners: persists each request in `account_provisioning` before the
 * platform is asked (a crash leaves a visible `pending` row, never an invisible invitation),
 * records the outcome, links the identities the platform verified, and applies the deferred
 * grants once the account is active.
 *
 * Lifecycle: pending -> invited -> active | expired | failed | canceled; pending -> active | failed.
 * A rate limit or a transient fault keeps the row `pending` with a `retryAt`; `reconcile` tries it
 * again then. Transitions are compare-and-set on the state, so a redelivered acceptance changes a
 * row once and grants are applied at most once (`grants_applied_at`).
 */
export class AccountProvisioningService {
  readonly #lock = new KeyedLock();
  /** Deferred deliveries being finished in this process, awaited by `drain`. */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly options: {
      stores: Pick<Stores, 'accounts' | 'members' | 'identities' | 'audit' | 'webhookDeliveries'>;
      host: ProvisionerHost;
      namespaces: NamespaceBook;
      logger: Logger;
      now?: () => Date;
      /** Told what the platform said of the installation's credentials (the health monitor's). */
      credentials?: {
        refused(installationId: string, message: string): void;
        accepted(installationId: string): void;
      };
    },
  ) {}

  #now() {
    return this.options.now?.() ?? new Date();
  }

  /** The user's open request on the installation if there is one, else a new one, tried now. */
  request(
    workspaceId: string,
    userId: string,
    installationId: string,
    input: AccountRequestInput,
  ): Promise<{ account: AccountRecord; created: boolean }> {
    // One request per member and installation at a time in this process (the database lock in
    // #request makes it one across replicas too).
    return this.#lock.run(`${installationId}\u0000${userId}`, () =>
      this.#request(workspaceId, userId, installationId, input),
    );
  }

  async #request(workspaceId: string, userId: string, installationId: string, input: AccountRequestInput) {
    const lookup = await this.#active(installationId, workspaceId);
    // The open-or-create runs under a database lock per installation and member, so replicas
    // racing on one person make one row, and only the one that created it asks the platform.
    const { account: row, created } = await this.options.stores.accounts.openOrCreate({
      workspaceId,
      userId,
      installationId,
      channelType: lookup.record.channelType,
      grants: requestedGrants(input),
      detail: requestDetail(input),
    });
    if (!created) return { account: row, created: false };
    return { account: await this.#attempt(row, lookup.provisioner), created: true };
  }

  async #active(installationId: string, workspaceId?: string) {
    const lookup = await this.options.host.lookup(installationId);
    if (lookup.status === 'unknown' || (workspaceId && lookup.record.workspaceId !== workspaceId)) {
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
    return lookup;
  }

  /**
   * Asks the platform for a `pending` row and records the answer. The caller holds the row's
   * attempt claim (it created the row, or `claimAttempt`), so no other replica asks too.
   */
  async #attempt(row: AccountRecord, provisioner: AccountProvisioner): Promise<AccountRecord> {
    const input = storedInput(row);
    let result: CreateAccountResult;
    try {
      result = await provisioner.createAccount({
        workspaceId: row.workspaceId,
        userId: row.userId,
        ...input,
        teams: row.grants.filter((g) => g.kind === 'team').map((g) => g.target),
        grants: row.grants,
      });
    } catch (error) {
      result = { status: 'error', code: 'transient', message: (error as Error).message };
    }
    if (row.installationId) {
      if (result.status === 'error' && result.credentialsRefused) {
        this.options.credentials?.refused(row.installationId, result.message);
      } else if (result.status !== 'error') {
        this.options.credentials?.accepted(row.installationId);
      }
    }
    return this.#record(row, result, provisioner);
  }

  /**
   * Sends a final request (failed, expired, canceled) again as a new row, or tries a `pending`
   * one now. Null when the row is not in the workspace.
   */
  async retry(
    workspaceId: string,
    accountId: string,
  ): Promise<{ account: AccountRecord; created: boolean } | null> {
    const row = await this.options.stores.accounts.find(accountId);
    if (!row || row.workspaceId !== workspaceId || !row.installationId) return null;
    const installationId = row.installationId;
    return this.#lock.run(`${installationId}\u0000${row.userId}`, async () => {
      const lookup = await this.#active(installationId, workspaceId);
      const { accounts } = this.options.stores;
      if (row.state === 'pending') {
        // Another replica (or reconcile) asking the platform right now: its answer is the retry.
        const claimed = await accounts.claimAttempt(row.id, STALE_PENDING_MS);
        if (!claimed) return { account: await accounts.get(row.id), created: false };
        return { account: await this.#attempt(claimed, lookup.provisioner), created: false };
      }
      if (row.state === 'invited' || row.state === 'active') {
        throw new AccountRequestError(
          'not_retryable',
          `the request is ${row.state}; there is nothing to retry`,
        );
      }
      // A new request, made under the database lock of `openOrCreate`: of two retries of one
      // row at once (two replicas), the second finds the first's open request and returns it.
      return this.#request(workspaceId, row.userId, installationId, storedInput(row));
    });
  }

  /**
   * Withdraws a request that is still pending or invited (the platform's invitation too, when the
   * provisioner can). Null when the row is not the user's; the row as it is when already final.
   */
  async cancel(
    workspaceId: string,
    userId: string | undefined,
    accountId: string,
  ): Promise<AccountRecord | null> {
    const { accounts } = this.options.stores;
    const row = await accounts.find(accountId);
    if (!row || row.workspaceId !== workspaceId || (userId !== undefined && row.userId !== userId))
      return null;
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

  /**
   * Takes a webhook delivery on for this replica: true exactly once per delivery id and
   * installation across replicas (an unfinished claim of a replica that died is taken over later).
   */
  claimDelivery(installationId: string, deliveryId: string): Promise<boolean> {
    return this.options.stores.webhookDeliveries.claim(installationId, deliveryId);
  }

  /** Gives a claimed delivery back when nothing of it was applied, so a redelivery is handled. */
  releaseDelivery(installationId: string, deliveryId: string): Promise<void> {
    return this.options.stores.webhookDeliveries.release(installationId, deliveryId);
  }

  /**
   * Keeps the events of a claimed delivery whose work goes on after the answer, then finishes
   * them in the background: the webhook is answered without waiting on the platform. If this
   * process dies first, the next reconcile pass finishes them (`reconcile`).
   */
  async deferDelivery(
    record: { installationId: string; workspaceId: string; channelType: string },
    deliveryId: string,
    events: AccountEvent[],
    outcomes: DeliveryOutcomes,
  ): Promise<void> {
    await this.options.stores.webhookDeliveries.defer(record.installationId, deliveryId, events);
    const work = this.#completeDeferred(record, deliveryId, events, outcomes)
      .catch((error: unknown) => {
        this.options.logger.warn(
          { installationId: record.installationId, deliveryId, err: error },
          'finishing a deferred delivery failed; the next reconcile pass tries again',
        );
      })
      .finally(() => this.#inFlight.delete(work));
    this.#inFlight.add(work);
  }

  async #completeDeferred(
    record: { installationId: string; workspaceId: string; channelType: string },
    deliveryId: string,
    events: AccountEvent[],
    outcomes: DeliveryOutcomes,
  ): Promise<void> {
    const done = [...outcomes];
    for (const event of events) {
      done.push({ kind: event.kind, outcome: await this.handleEvent(record.installationId, event) });
    }
    await this.recordDelivery(record, deliveryId, done);
  }

  /** Waits for the deferred deliveries this process is finishing (on shutdown, in tests). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /** Records a handled webhook delivery (what its events did), which also marks it seen. */
  async recordDelivery(
    record: { installationId: string; workspaceId: string; channelType: string },
    deliveryId: string,
    outcomes: DeliveryOutcomes,
  ): Promise<void> {
    await this.options.stores.audit.record({
      reason: 'account_delivery',
      installationId: record.installationId,
      workspaceId: record.workspaceId,
      channelType: record.channelType,
      platformEventId: deliveryId,
      detail: { events: outcomes },
    });
    await this.options.stores.webhookDeliveries.finish(record.installationId, deliveryId);
  }

  /** What the installation's provisioner reads of its standing on the platform. */
  async status(workspaceId: string, installationId: string) {
    const lookup = await this.#active(installationId, workspaceId);
    const base = { installationId, channelType: lookup.record.channelType };
    if (!lookup.provisioner.status) return { ...base, ok: true, detail: {}, message: null };
    const status = await lookup.provisioner.status();
    return { ...base, ok: status.ok, detail: status.detail, message: status.message ?? null };
  }

  list(workspaceId: string, userId: string): Promise<AccountRecord[]> {
    return this.options.stores.accounts.list(workspaceId, userId);
  }

  listInWorkspace(workspaceId: string, states: readonly AccountState[]): Promise<AccountRecord[]> {
    return this.options.stores.accounts.listWhere({ workspaceId, states });
  }

  /** An adapter event about a pending invitation (accepted, expired, ...) or an account. */
  async handleEvent(
    installationId: string,
    event: AccountEvent,
    options: HandleEventOptions = {},
  ): Promise<AccountEventOutcome> {
    const { accounts } = this.options.stores;
    switch (event.kind) {
      case 'joined':
        return this.#joined(installationId, event.account, options);
      case 'invited': {
        if (await accounts.findByPendingId(installationId, event.pendingId)) return 'already_final';
        // A request whose answer was lost (a crash mid-call): the platform names its invitation.
        const pending = await accounts.listWhere({ installationId, states: ['pending'] });
        const row = pending.find(
          (r) =>
            !r.externalId &&
            (sameLogin(r.detail.login, event.login) || sameLogin(r.detail.email, event.email)),
        );
        if (!row) return 'unknown_pending';
        const moved = await accounts.transition(row.id, ['pending'], {
          state: 'invited',
          externalId: event.pendingId,
          detail: { ...withoutRetry(row.detail), invitedAt: this.#now().toISOString() },
          expiresAt: event.expiresAt ? new Date(event.expiresAt) : null,
          lastError: null,
        });
        return moved ? 'applied' : 'already_final';
      }
      case 'grant_changed': {
        const row = await accounts.findByPendingId(installationId, event.account.id);
        if (row?.state !== 'active') return 'unknown_pending';
        if (!row.grants.some((g) => g.kind === event.grant.kind && sameLogin(g.target, event.grant.target))) {
          return 'unknown_pending';
        }
        // Which requested grants were taken away on the platform itself: shown in the next step,
        // and never applied again by this hub (an owner's removal is a decision, not drift).
        const key = grantKey(event.grant);
        const removed = removedGrants(row);
        if (event.change === 'removed') removed.add(key);
        else removed.delete(key);
        const moved = await accounts.transition(row.id, ['active'], {
          state: 'active',
          detail: { ...row.detail, removedGrants: [...removed].sort() },
        });
        return moved ? 'applied' : 'already_final';
      }
      case 'removed': {
        const row = await accounts.findByPendingId(installationId, event.account.id);
        if (!row) return this.#ignored(installationId, event, 'no active account has this id');
        const moved = await accounts.transition(row.id, ['active'], {
          state: 'canceled',
          lastError: `revoked: ${event.detail ?? 'the account was removed on the platform'}`,
          detail: { ...row.detail, revokedAt: this.#now().toISOString() },
        });
        return moved ? 'applied' : 'already_final';
      }
      case 'accepted': {
        const row = await accounts.findByPendingId(installationId, event.pendingId);
        if (!row) return 'unknown_pending';
        return this.#accept(installationId, row, event.account, options);
      }
      default: {
        const row = await accounts.findByPendingId(installationId, event.pendingId);
        if (!row) return 'unknown_pending';
        const moved = await accounts.transition(row.id, ['pending', 'invited'], {
          state: event.kind,
          ...(event.detail ? { lastError: event.detail } : {}),
        });
        if (!moved) return 'already_final';
        if (event.kind !== 'canceled') await this.#maybeReinvite(installationId, moved);
        return 'applied';
      }
    }
  }

  /** An expired (or failed) invitation is sent again when the installation asks for it. */
  async #maybeReinvite(installationId: string, row: AccountRecord) {
    const lookup = await this.options.host.lookup(installationId);
    if (lookup.status !== 'active' || !lookup.provisioner.reinviteExpired) return;
    this.options.logger.info({ accountId: row.id, state: row.state }, 'sending the invitation again');
    await this.#lock.run(`${installationId}\u0000${row.userId}`, () =>
      this.#request(row.workspaceId, row.userId, installationId, storedInput(row)),
    );
  }

  /** An account joined without naming the invitation: match an invited row by login, else ask. */
  async #joined(
    installationId: string,
    account: ProvisionedAccount,
    options: HandleEventOptions,
  ): Promise<AccountEventOutcome> {
    const known = await this.options.stores.accounts.findByPendingId(installationId, account.id);
    if (known?.state === 'active') return 'already_final';
    const invited = await this.options.stores.accounts.listWhere({ installationId, states: ['invited'] });
    const byLogin = invited.find((row) => sameLogin(row.detail.login, account.login));
    if (byLogin) return this.#accept(installationId, byLogin, account, options);
    const lookup = await this.options.host.lookup(installationId);
    if (lookup.status === 'active' && lookup.provisioner.reconcile) {
      const candidates = invited.filter((row) => typeof row.detail.login !== 'string');
      const pending = candidates.flatMap((row) => pendingRequest(row) ?? []);
      if (pending.length > 0 && options.deferCorrelation) return 'deferred';
      const events =
        pending.length > 0 ? await lookup.provisioner.reconcile(pending, { joined: account }) : [];
      let outcome: AccountEventOutcome | undefined;
      for (const event of events) {
        const applied = await this.handleEvent(installationId, event, options);
        if (event.kind === 'accepted' && event.account.id === account.id) outcome = applied;
      }
      if (outcome) return outcome;
    }
    return this.#ignored(
      installationId,
      { kind: 'joined', account },
      'no invitation of this installation matches',
    );
  }

  async #ignored(installationId: string, event: AccountEvent, why: string): Promise<AccountEventOutcome> {
    const lookup = await this.options.host.lookup(installationId);
    const account = 'account' in event ? event.account : undefined;
    this.options.logger.info(
      { installationId, kind: event.kind, accountId: account?.id },
      `account event ignored: ${why}`,
    );
    await this.options.stores.audit.record({
      reason: 'account_event_ignored',
      installationId,
      workspaceId: lookup.status === 'unknown' ? null : lookup.record.workspaceId,
      channelType: lookup.status === 'unknown' ? null : lookup.record.channelType,
      channelUserId: account?.id ?? null,
      detail: { kind: event.kind, why, ...(account?.login ? { login: account.login } : {}) },
    });
    return 'unknown_pending';
  }

  async #accept(
    installationId: string,
    row: AccountRecord,
    account: ProvisionedAccount,
    options: HandleEventOptions = {},
  ) {
    const moved = await this.options.stores.accounts.transition(row.id, ['pending', 'invited'], {
      state: 'active',
      externalId: account.id,
      detail: { ...row.detail, ...accountDetail(account) },
    });
    if (!moved) return 'already_final';
    await this.#activated(moved, account);
    const lookup = await this.options.host.lookup(installationId);
    if (lookup.status !== 'active') return 'applied';
    const grants = this.#applyGrants(moved, account, lookup.provisioner).catch((error: unknown) => {
      this.options.logger.warn({ accountId: moved.id, err: error }, 'applying deferred grants failed');
    });
    if (options.grantBudgetMs === undefined) await grants;
    else await Promise.race([grants, sleep(options.grantBudgetMs)]);
    return 'applied';
  }

  /** Identities of an account that became active, linked to the member. */
  async #activated(row: AccountRecord, account: ProvisionedAccount) {
    const problem = await linkAccountIdentities({
      stores: this.options.stores,
      namespaces: this.options.namespaces,
      logger: this.options.logger,
      userId: row.userId,
      account,
    });
    if (problem) await this.options.stores.accounts.recordError(row.id, problem);
  }

  /**
   * Asks the installation's provisioner about its open rows and applies what changed; tries the
   * `pending` rows whose retry time has come. Returns how many rows it moved or tried.
   */
  async reconcile(installationId: string, options: { staleDeliveryMs?: number } = {}): Promise<number> {
    const lookup = await this.options.host.lookup(installationId);
    if (lookup.status !== 'active') return 0;
    const { accounts } = this.options.stores;
    let changed = 0;
    // Deliveries answered before their work was done, left by a replica that died meanwhile.
    const abandoned = await this.options.stores.webhookDeliveries.takeAbandoned(
      installationId,
      options.staleDeliveryMs ?? ABANDONED_DEFERRED_MS,
    );
    for (const { deliveryId, events } of abandoned) {
      const record = {
        installationId,
        workspaceId: lookup.record.workspaceId,
        channelType: lookup.record.channelType,
      };
      await this.#completeDeferred(record, deliveryId, events as AccountEvent[], []);
      changed += 1;
    }
    const invited = await accounts.listWhere({ installationId, states: ['invited'] });
    const pending = invited.flatMap((row) => pendingRequest(row) ?? []);
    if (lookup.provisioner.reconcile && pending.length > 0) {
      let events: AccountEvent[] = [];
      try {
        events = await lookup.provisioner.reconcile(pending);
        this.options.credentials?.accepted(installationId);
      } catch (error) {
        // A revoked token fails every pass alike: the status says so (token_revoked).
        if (isCredentialsRefused(error)) this.options.credentials?.refused(installationId, error.message);
        // A failed read (a rate limit, a fault, an org that stopped answering) must not hold back
        // the due grants and retries below: each of those asks the platform on its own.
        this.options.logger.warn(
          { installationId, err: error },
          'reconciling invited rows failed; the next pass asks again',
        );
      }
      for (const event of events) {
        if ((await this.handleEvent(installationId, event)) === 'applied') changed += 1;
      }
    }
    // Grants that failed when the account became active (a rate limit, a team renamed since).
    for (const row of await accounts.listWhere({ installationId, states: ['active'] })) {
      if (row.grants.length === 0 || row.grantsAppliedAt) continue;
      await this.#applyGrants(row, activeAccount(row), lookup.provisioner);
      changed += 1;
    }
    const now = this.#now().getTime();
    for (const row of await accounts.listWhere({ installationId, states: ['pending'] })) {
      const retryAt = typeof row.detail.retryAt === 'string' ? Date.parse(row.detail.retryAt) : undefined;
      if (retryAt !== undefined && retryAt > now) continue;
      // Without a retry time the row is being asked about, or was left by a crash mid-call: the
      // attempt claim tells them apart (a claim older than STALE_PENDING_MS was abandoned).
      await this.#lock.run(`${installationId}\u0000${row.userId}`, async () => {
        const claimed = await accounts.claimAttempt(row.id, STALE_PENDING_MS);
        if (!claimed) return;
        await this.#attempt(claimed, lookup.provisioner);
        changed += 1;
      });
    }
    return changed;
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
          detail: {
            ...withoutRetry(row.detail),
            ...(account ? accountDetail(account) : {}),
            outcome: result.status,
          },
          lastError: null,
        });
        if (active && account) {
          await this.#activated(active, account);
          await this.#applyGrants(active, account, provisioner);
        }
        return accounts.get(row.id);
      }
      case 'action_required':
        for (const warning of result.warnings ?? []) await this.#warn(row, warning);
        return (
          (await accounts.transition(row.id, ['pending'], {
            state: 'invited',
            externalId: result.pending.id,
            detail: {
              ...withoutRetry(row.detail),
              pending: result.pending.detail,
              outcome: result.status,
              invitedAt: this.#now().toISOString(),
            },
            expiresAt: result.pending.expiresAt ? new Date(result.pending.expiresAt) : null,
            lastError: null,
          })) ?? accounts.get(row.id)
        );
      case 'error': {
        if (RETRY_LATER.has(result.code)) {
          const retryAt = new Date(this.#now().getTime() + (result.retryAfterMs ?? DEFAULT_RETRY_MS));
          return (
            (await accounts.transition(row.id, ['pending'], {
              state: 'pending',
              detail: { ...row.detail, errorCode: result.code, retryAt: retryAt.toISOString() },
              lastError: result.message,
            })) ?? accounts.get(row.id)
          );
        }
        return (
          (await accounts.transition(row.id, ['pending'], {
            state: 'failed',
            detail: { ...withoutRetry(row.detail), errorCode: result.code },
            lastError: result.message,
          })) ?? accounts.get(row.id)
        );
      }
    }
  }

  async #warn(row: AccountRecord, warning: string) {
    this.options.logger.warn({ accountId: row.id, warning }, 'account provisioner warning');
    await this.options.stores.audit.record({
      reason: 'account_warning',
      installationId: row.installationId,
      workspaceId: row.workspaceId,
      channelType: row.channelType,
      userId: row.userId,
      detail: { accountId: row.id, warning },
    });
  }

  /** Deferred grants, at most once per row; a failure is kept on the row, the account stays active. */
  async #applyGrants(row: AccountRecord, account: ProvisionedAccount, provisioner: AccountProvisioner) {
    if (row.grants.length === 0 || !provisioner.applyGrants || row.grantsAppliedAt) return;
    // A grant removed on the platform since (membership events) stays removed: applying the
    // rest later (a retry after a rate limit) must not put the person back where an owner took
    // them off.
    const removed = removedGrants(row);
    const due = row.grants.filter((grant) => !removed.has(grantKey(grant)));
    let outcome: Awaited<ReturnType<NonNullable<AccountProvisioner['applyGrants']>>>;
    try {
      outcome = due.length === 0 ? { status: 'applied' } : await provisioner.applyGrants(account, due);
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

/** `team:backend`: how a grant is named in `detail.removedGrants`. */
function grantKey(grant: Pick<AccountGrant, 'kind' | 'target'>): string {
  return `${grant.kind}:${grant.target.toLowerCase()}`;
}

/** The grants of a row that were taken away on the platform after it was active. */
function removedGrants(row: AccountRecord): Set<string> {
  const keys = row.detail.removedGrants;
  return new Set(Array.isArray(keys) ? keys.filter((key): key is string => typeof key === 'string') : []);
}

/** The account of an active row, as the platform reported it when it became active. */
function activeAccount(row: AccountRecord): ProvisionedAccount {
  const login = row.detail.login;
  const email = row.detail.email;
  return {
    id: typeof row.detail.accountId === 'string' ? row.detail.accountId : (row.externalId ?? ''),
    ...(typeof login === 'string' ? { login } : {}),
    ...(typeof email === 'string' ? { email } : {}),
  };
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

function withoutRetry(detail: Record<string, unknown>): Record<string, unknown> {
  const { retryAt: _retryAt, errorCode: _errorCode, ...rest } = detail;
  return rest;
}

function accountDetail(account: ProvisionedAccount): Record<string, unknown> {
  return {
    accountId: account.id,
    ...(account.login ? { login: account.login } : {}),
    ...(account.email ? { email: account.email } : {}),
  };
}

export type { AccountState };
