/**
 * What a new operator does next, printed by `switchboard start` once the hub listens: where the
 * console is and, while the hub has no workspace yet, the commands that get to a first sign-in.
 */
export function startBanner(consoleUrl: string, firstRun: boolean): string[] {
  const lines = [`Switchboard is running. Console: ${consoleUrl}`];
  if (!firstRun) return lines;
  return [
    ...lines,
    'First run, in a second shell:',
    '  1. npx switchboard workspace create acme',
    '  2. npx switchboard admin create --workspace acme --username alice',
    '  3. npx switchboard login-link --user alice   (open the printed link: it signs alice in once)',
    '  4. In the console: Installations → pick a platform, fill in its form, then follow the setup steps beside the webhook URL.',
    'Later: `npx switchboard status` shows every installation and its problems; `npx switchboard doctor` checks the hub.',
  ];
}
