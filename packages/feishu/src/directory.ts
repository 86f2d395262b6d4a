import { type DirectoryProfile, NotFoundError, PlatformError, type Sender } from '@switchboard/core';
import type { FeishuApi } from './api.js';

/** `GET /open-apis/bot/v3/info`: the bot's open id (`bot` sits at the top level, not under `data`). */
export async function fetchFeishuBotOpenId(api: FeishuApi): Promise<string> {
  const body = await api.call('bot/v3/info', { method: 'GET', url: '/open-apis/bot/v3/info' });
  const openId = (body.bot as { open_id?: unknown } | undefined)?.open_id;
  if (typeof openId !== 'string' || openId === '') {
    throw new PlatformError('permanent', 'Feishu bot/v3/info answered without bot.open_id');
  }
  return openId;
}

/** `GET /open-apis/tenant/v2/tenant/query`: the tenant the app's token belongs to. */
export async function fetchFeishuTenantKey(api: FeishuApi): Promise<string> {
  const body = await api.call('tenant query', { method: 'GET', url: '/open-apis/tenant/v2/tenant/query' });
  const key = (body.data?.tenant as { tenant_key?: unknown } | undefined)?.tenant_key;
  if (typeof key !== 'string' || key === '') {
    throw new PlatformError('permanent', 'Feishu tenant query answered without data.tenant.tenant_key');
  }
  return key;
}

interface ContactUser {
  union_id?: string;
  open_id?: string;
  name?: string;
  en_name?: string;
  email?: string;
  enterprise_email?: string;
  status?: {
    is_frozen?: boolean;
    is_resigned?: boolean;
    is_activated?: boolean;
    is_exited?: boolean;
    is_unjoin?: boolean;
  };
}

/** Why a directory entry may not be provisioned, if it may not. */
export function inactiveStatus(user: ContactUser): 'frozen' | 'resigned' | 'unjoined' | undefined {
  const status = user.status ?? {};
  if (status.is_resigned || status.is_exited) return 'resigned';
  if (status.is_frozen) return 'frozen';
  if (status.is_unjoin || status.is_activated === false) return 'unjoined';
  return undefined;
}

/**
 * The contact API's view of a sender. The union id is canonical; the open id stands in only when
 * the app cannot see union ids (never an empty id). The contact API names no tenant: tenancy
 * comes from the event. A frozen, resigned or never-joined person is reported `inactive` with that
 * status, so the hub denies them per message (`inactive_user`); `isGuest` is set for them too, for
 * a consumer that reads only that.
 */
export async function fetchFeishuProfile(api: FeishuApi, sender: Sender): Promise<DirectoryProfile> {
  let body: Awaited<ReturnType<FeishuApi['call']>>;
  try {
    body = await api.call('contact/v3/users', {
      method: 'GET',
      url: `/open-apis/contact/v3/users/${encodeURIComponent(sender.id)}`,
      params: { user_id_type: 'open_id' },
    });
  } catch (error) {
    if (error instanceof PlatformError && error.kind === 'not_found')
      throw new NotFoundError('Feishu user', sender.id);
    throw error;
  }
  const user = (body.data?.user ?? {}) as ContactUser;
  const canonicalId = user.union_id || sender.unionId || user.open_id || sender.id;
  const email = user.enterprise_email || user.email || undefined;
  const inactive = inactiveStatus(user);
  return {
    canonicalId,
    ...(email ? { email } : {}),
    // Feishu marks no email as verified; an enterprise email is assigned by the tenant's admin,
    // but even that is not proof enough to merge with an existing account.
    emailVerified: false,
    ...(user.name || user.en_name || sender.displayName
      ? { name: user.name || user.en_name || sender.displayName }
      : {}),
    isGuest: inactive !== undefined || sender.isExternal,
    ...(inactive ? { inactive } : {}),
  };
}
