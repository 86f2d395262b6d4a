import type { Provisioner } from '@switchboard/core';

/**
 * The hub's user provisioner as one installation's channel may use it (`ctx.provisioner`, e.g. for
 * a platform's "member joined" event): always in the installation's own workspace and naming the
 * installation as the event's source, whatever the channel passes. A channel cannot provision
 * into another workspace.
 */
export function provisionerForInstallation(
  provisioner: Provisioner,
  installation: { installationId: string; workspaceId: string; channelType: string },
): Provisioner {
  return {
    provisionUser: (request) =>
      provisioner.provisionUser({
        ...request,
        workspaceId: installation.workspaceId,
        ...(request.event
          ? {
              event: {
                ...request.event,
                installationId: installation.installationId,
                channelType: installation.channelType,
              },
            }
          : {}),
      }),
  };
}
