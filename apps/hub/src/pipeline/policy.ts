import { InvalidConfigError } from '@switchboard/core';
import { z } from 'zod';

/**
 * Hub-side settings every installation has, whatever its platform. They live in the same JSONB
 * config as the adapter's keys (snake_case like them) but are validated here, so an adapter
 * schema never has to know about them.
 */
export const installationPolicySchema = z.object({
  /** `mention`: group messages reach the agent only when they address the bot. `disabled`: never. */
  group_policy: z.enum(['mention', 'disabled']).default('mention'),
  /** Senders from another organisation (Slack Connect, external guests) are dropped unless true. */
  allow_external_senders: z.boolean().default(false),
  /** When set, events whose tenant differs are dropped (`wrong_tenant`). */
  tenant_key: z.string().min(1).optional(),
  /** First-contact senders become workspace members automatically (off by default). */
  auto_provision: z.boolean().default(false),
  /**
   * A provisioned sender whose directory reports a *verified* email that already belongs to a
   * user resolves to that user instead of a new one (off by default).
   */
  link_by_verified_email: z.boolean().default(false),
});
export type InstallationPolicy = z.output<typeof installationPolicySchema>;

export const policyKeys = Object.keys(installationPolicySchema.shape);

/** The policy keys present in `input`, validated; the caller stores them beside the adapter's keys. */
export function pickPolicy(input: Record<string, unknown>): Record<string, unknown> {
  const provided = Object.fromEntries(Object.entries(input).filter(([key]) => policyKeys.includes(key)));
  const result = installationPolicySchema.partial().safeParse(provided);
  if (!result.success) throw new InvalidConfigError(result.error.issues);
  return Object.fromEntries(Object.entries(result.data).filter(([, value]) => value !== undefined));
}

/** The effective policy of a stored config (defaults for what is not set). */
export function readPolicy(config: Record<string, unknown>): InstallationPolicy {
  const provided = Object.fromEntries(Object.entries(config).filter(([key]) => policyKeys.includes(key)));
  const result = installationPolicySchema.safeParse(provided);
  // A stored config was validated on write; if it no longer is, fall back to the safe defaults.
  return result.success ? result.data : installationPolicySchema.parse({});
}
