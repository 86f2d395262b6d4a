import { isCredentialsRefused } from '@switchboard/core';
import type { ProcessEventDeps } from './process-deps.js';

/**
 * Inbound processing calls the platform too (a directory lookup before auto-provisioning, for
 * one): a refusal of the installation's credentials there is the same news as a refused send, so
 * the status, and with it the health monitor's `token_revoked`, hears of it.
 */
export function reportRefusedCredentials(
  deps: Pick<ProcessEventDeps, 'onCredentialsRefused'>,
  installationId: string,
  error: unknown,
): void {
  if (!isCredentialsRefused(error)) return;
  deps.onCredentialsRefused?.(
    installationId,
    error.platformCode ? `${error.platformCode}: ${error.message}` : error.message,
  );
}
