import type { Provisioner, ProvisionUserRequest, ProvisionUserResult } from '@switchboard/core';

/**
 * Concurrent requests to provision the same person in the same workspace share one call. A burst
 * of first messages from one person (platform retries, several chats at once) then costs one
 * provisioning, not one per event that lose the database race one by one. Across processes the
 * provisioner's own race handling still decides; this only saves work inside one.
 */
export function singleFlight(provisioner: Provisioner): Provisioner {
  const inFlight = new Map<string, Promise<ProvisionUserResult>>();
  return {
    provisionUser(req: ProvisionUserRequest): Promise<ProvisionUserResult> {
      const key = JSON.stringify([req.workspaceId, req.namespace, req.externalId, req.fallbackIds ?? []]);
      const running = inFlight.get(key);
      // For a follower the user was created by someone else's call: it is `existing` to them.
      if (running) return running.then((result) => ({ ...result, status: 'existing' }));
      const call = provisioner.provisionUser(req).finally(() => inFlight.delete(key));
      inFlight.set(key, call);
      return call;
    },
  };
}
