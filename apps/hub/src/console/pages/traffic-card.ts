import type { PageContext } from '../context.js';
import { type Html, html } from '../html.js';

interface MessageActivity {
  since: string;
  minutes: Array<{ inbound: number; delivered: number }>;
}

/**
 * The home page's small chart: inbound and delivered per minute over the last hour, every
 * installation of the workspace added up (the activity page splits them). The numbers it reads
 * are the activity API's; the sentence under it says the same for screen readers and no-script
 * browsers, and the chart script keeps both current.
 */
export async function trafficCard(context: PageContext): Promise<Html> {
  const answer = await context.api.get<MessageActivity>(context.apiPath('activity/messages?window=1h'));
  const minutes = answer.ok ? answer.body.minutes : [];
  const inbound = minutes.reduce((sum, m) => sum + m.inbound, 0);
  const delivered = minutes.reduce((sum, m) => sum + m.delivered, 0);
  return html`<section class="card traffic" aria-labelledby="traffic-title">
<div class="traffic-head"><h2 id="traffic-title">Traffic, last hour</h2><a href="${context.path('activity')}">Activity per installation</a></div>
<div class="chart-box small"><canvas id="traffic-chart" data-chart="traffic" data-src="${context.path('activity/messages.json?window=1h')}" data-refresh-ms="5000" data-summary="traffic-summary" data-inbound="${String(inbound)}" data-delivered="${String(delivered)}" role="img" aria-label="Events received and delivered per minute, all installations, last hour"></canvas></div>
<p class="hint" id="traffic-summary" aria-live="polite">${
    answer.ok
      ? `${inbound} received, ${delivered} delivered to agents in the last hour.`
      : `Traffic unavailable: ${answer.message}`
  }</p></section>`;
}
