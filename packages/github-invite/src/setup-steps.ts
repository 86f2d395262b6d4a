/** What to set in the GitHub organization so it reports invitations to this installation. */
export function githubInviteSetupSteps(webhookUrl: string): string[] {
  return [
    'Organization settings → Personal access tokens (or a GitHub App installed on the org): a token with Members read and write permission for token.',
    `Organization settings → Webhooks → Add webhook: Payload URL = ${webhookUrl}, Content type = application/json, Secret = the webhook_secret stored here.`,
    'Which events: "Let me select individual events" → Organizations and Memberships; keep Active checked and Add webhook.',
  ];
}
