import { ConfigRejectedError, isRetryable, PlatformError, type PrepareConfigDeps } from '@switchboard/core';
import { FeishuApi } from './api.js';
import { feishuApiBaseUrl } from './config.js';
import { fetchFeishuBotOpenId, fetchFeishuTenantKey } from './directory.js';

/**
 * At install: exchanges the app's credentials for a token and asks Feishu who the bot is and which
 * tenant the app is in, so a wrong secret is refused at once and the pipeline knows the tenant
 * before the first event. A configured `tenant_key` is kept; the detected one is stored beside it.
 */
export async function prepareFeishuConfig(
  input: Record<string, unknown>,
  deps: PrepareConfigDeps,
): Promise<Record<string, unknown>> {
  const appId = input.app_id;
  const appSecret = input.app_secret;
  if (typeof appId !== 'string' || typeof appSecret !== 'string') return input;
  const region = input.region === 'lark' ? 'lark' : 'feishu';
  const apiBaseUrl = typeof input.api_base_url === 'string' ? input.api_base_url : undefined;
  const api = new FeishuApi({
    appId,
    appSecret,
    baseUrl: feishuApiBaseUrl({ region, api_base_url: apiBaseUrl }),
    logger: deps.logger,
  });
  try {
    const [botOpenId, tenantKey] = await Promise.all([fetchFeishuBotOpenId(api), fetchFeishuTenantKey(api)]);
    return { ...input, bot_open_id: botOpenId, detected_tenant_key: tenantKey };
  } catch (error) {
    const platform = error instanceof PlatformError ? error : undefined;
    throw new ConfigRejectedError(
      platform?.platformCode ?? 'feishu_unreachable',
      `Feishu refused the app credentials or could not be asked: ${platform?.message ?? String(error)}`,
      { cause: error, unreachable: platform ? isRetryable(platform) : true },
    );
  }
}
