import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { EgressLookup } from '@switchboard/core';
import axios, { type AxiosInstance } from 'axios';

/** Every Open API answer is read up to this size; Feishu's largest JSON answers are far smaller. */
export const FEISHU_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** An agent of the base URL's scheme whose sockets resolve names through the egress lookup. */
export function checkedAgent(baseUrl: string, lookup: EgressLookup): HttpAgent {
  const options = { keepAlive: true, lookup: lookup as unknown as LookupFunction };
  return baseUrl.startsWith('https:') ? new HttpsAgent(options) : new HttpAgent(options);
}

/**
 * The HTTP client the SDK is given instead of its module-global default: capped answers, a
 * timeout, and (with the hub's egress lookup) only addresses the operator allows. Answers are
 * unwrapped to their body like the SDK's own instance does.
 */
export function feishuHttpInstance(baseUrl: string, lookup: EgressLookup | undefined): AxiosInstance {
  const agent = lookup ? checkedAgent(baseUrl, lookup) : undefined;
  const instance = axios.create({
    timeout: 15_000,
    maxContentLength: FEISHU_MAX_RESPONSE_BYTES,
    maxBodyLength: FEISHU_MAX_RESPONSE_BYTES,
    maxRedirects: 0,
    ...(agent ? { httpAgent: agent, httpsAgent: agent } : {}),
  });
  instance.interceptors.response.use((response) => response.data);
  return instance;
}
