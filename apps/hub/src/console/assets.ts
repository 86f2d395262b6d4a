import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ACTIVITY_CHARTS_JS } from './assets/activity-charts-js.js';
import { CONSOLE_CSS } from './assets/console-css.js';
import { CONSOLE_JS } from './assets/console-js.js';
import { ASSETS } from './layout.js';

const require = createRequire(import.meta.url);

/**
 * The console's static files: its own CSS and script (kept as modules, so the built hub carries
 * them without a copy step), htmx and Chart.js from their npm packages. Nothing is fetched from
 * elsewhere.
 */
export async function registerConsoleAssets(app: FastifyInstance): Promise<void> {
  const htmx = await readFile(require.resolve('htmx.org/dist/htmx.min.js'), 'utf8');
  // chart.js exports no path to its UMD build; it sits beside the CommonJS entry.
  const chart = await readFile(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
  const files: Record<string, { type: string; body: string }> = {
    'console.css': { type: 'text/css; charset=utf-8', body: CONSOLE_CSS },
    'console.js': { type: 'text/javascript; charset=utf-8', body: CONSOLE_JS },
    'htmx.min.js': { type: 'text/javascript; charset=utf-8', body: htmx },
    'chart.umd.min.js': { type: 'text/javascript; charset=utf-8', body: chart },
    'activity-charts.js': { type: 'text/javascript; charset=utf-8', body: ACTIVITY_CHARTS_JS },
  };
  app.get<{ Params: { file: string } }>(
    `${ASSETS}/:file`,
    { schema: { hide: true } },
    async (request, reply) => {
      const file = files[request.params.file];
      if (!file) return reply.code(404).type('text/plain').send('not found');
      return reply
        .header('content-type', file.type)
        .header('cache-control', 'public, max-age=300')
        .header('x-content-type-options', 'nosniff')
        .send(file.body);
    },
  );
}
