import { createRequire } from 'node:module';

interface ExampleDefinition {
  name: string;
  examples: Array<Record<string, unknown> & { action?: string }>;
}

const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as ExampleDefinition[];

/**
 * A fresh copy of GitHub's published example payload for `event`/`action`
 * (`@octokit/webhooks-examples`), for the fake to fill in: real shapes, not hand-written ones.
 */
export function examplePayload(event: string, action: string): Record<string, unknown> {
  const example = definitions.find((d) => d.name === event)?.examples.find((e) => e.action === action);
  if (!example) throw new Error(`@octokit/webhooks-examples has no ${event}.${action} example`);
  return structuredClone(example);
}

/** A user object shaped like the examples' (avatar, urls, type), for `login` and `id`. */
export function userObject(template: unknown, user: { login: string; id: number }): Record<string, unknown> {
  const base = template && typeof template === 'object' ? (template as Record<string, unknown>) : {};
  const api = 'https://api.github.com/users';
  return {
    ...base,
    login: user.login,
    id: user.id,
    node_id: Buffer.from(`04:User${user.id}`).toString('base64'),
    url: `${api}/${user.login}`,
    html_url: `https://github.com/${user.login}`,
  };
}
