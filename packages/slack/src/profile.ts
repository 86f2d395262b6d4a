import type { WebClient } from '@slack/web-api';
import { type DirectoryProfile, NotFoundError, PlatformError } from '@switchboard/core';
import { z } from 'zod';
import { toPlatformError } from './errors.js';

const usersInfoSchema = z.looseObject({
  user: z.looseObject({
    id: z.string().min(1),
    team_id: z.string().min(1).optional(),
    real_name: z.string().nullish(),
    is_restricted: z.boolean().optional(),
    is_ultra_restricted: z.boolean().optional(),
    is_stranger: z.boolean().optional(),
    enterprise_user: z.looseObject({ enterprise_id: z.string().min(1).optional() }).nullish(),
    profile: z
      .looseObject({
        email: z.string().nullish(),
        display_name: z.string().nullish(),
        real_name: z.string().nullish(),
      })
      .optional(),
  }),
});

/**
 * `users.info` → the directory view of a Slack user. `canonicalId` is `<scope>:<user id>` where the
 * scope is the Enterprise Grid org when the user belongs to one (their W… id is org-wide), else the
 * user's home team (a Slack Connect user keeps theirs). Throws `NotFoundError` for `user_not_found`.
 */
export async function fetchSlackProfile(
  client: WebClient,
  userId: string,
  installationTeamId: string,
): Promise<DirectoryProfile> {
  let response: unknown;
  try {
    response = await client.apiCall('users.info', { user: userId });
  } catch (error) {
    const mapped = toPlatformError('users.info', error);
    if (mapped.platformCode === 'user_not_found') throw new NotFoundError('Slack user', userId);
    throw mapped;
  }
  const parsed = usersInfoSchema.safeParse(response);
  if (!parsed.success) throw new PlatformError('permanent', 'Slack users.info answered without a user');
  const { user } = parsed.data;
  const scope = user.enterprise_user?.enterprise_id ?? user.team_id ?? installationTeamId;
  return {
    canonicalId: `${scope}:${user.id}`,
    // Present only when the app holds users:read.email.
    email: user.profile?.email || undefined,
    // Slack documents no email-verification flag. users.info answers sometimes carry an undocumented
    // `is_email_confirmed` (it shows up in @slack/web-api's generated response types); an
    // undocumented field is not trusted for linking accounts by email, so this stays false.
    emailVerified: false,
    name: user.profile?.display_name || user.profile?.real_name || user.real_name || undefined,
    tenant: user.team_id,
    isGuest: user.is_restricted === true || user.is_ultra_restricted === true || user.is_stranger === true,
  };
}
