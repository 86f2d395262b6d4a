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
  /** Reconnects scheduled by this replica's slot since it was created (cumulative, for metrics). */
  reconnects: number;
  /** Times this replica's slot lost the lease while holding it (cumulative, for metrics). */
  leaseLosses: number;
  /**
   * `parked`: not held here (disabled replica, another replica holds it, or the config is invalid);
   * `connecting` / `connected` / `backoff`: held here; `stopped`: the supervisor has stopped.
   */
  state: 'parked' | 'connecting' | 'connected' | 'backoff' | 'stopped';
}
