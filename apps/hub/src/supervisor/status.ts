/** One installation's long connection as this replica sees it; for operators and the admin API. */
export interface ConnectionStatus {
  installationId: string;
  connected: boolean;
  /** Who holds the lease: this replica's owner id while it holds it, else the last owner seen. */
  leaseOwner: string | null;
  /** The fencing generation (a bigint, as a decimal string). */
  leaseGeneration: string;
  connectedAt?: string;
  lastError?: string;
  lastErrorAt?: string;
  /** Failed attempts since the last successful connect. */
  reconnectAttempts: number;
  /** The last error was the platform refusing the credentials (expired or revoked token). */
  credentialsRefused?: boolean;
  /**
   * Held here, connected, its channel reports a heartbeat and has been silent for longer than
   * its platform's heartbeat window: since when.
   */
  staleSince?: string;
  /** Reconnects scheduled by this replica's slot since it was created (cumulative, for metrics). */
  reconnects: number;
  /** Times this replica's slot lost the lease while holding it (cumulative, for metrics). */
  leaseLosses: number;
  /**
   * `parked`: not held here (disabled replica, another replica holds it, or the config is invalid);
   * `connecting` / `connected` / `backoff`: held here; `failed`: held here, but its restart budget
   * is spent and it no longer reconnects; `stopped`: the supervisor has stopped.
   */
  state: 'parked' | 'connecting' | 'connected' | 'backoff' | 'failed' | 'stopped';
}
