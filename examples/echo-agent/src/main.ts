import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readConfig } from './config.js';
import { createEchoAgent } from './echo-agent.js';

const result = readConfig(process.env);
if (!result.ok) {
  console.error(`echo agent: invalid settings\n${result.error}`);
  process.exit(2);
}
const { config } = result;
const agent = createEchoAgent({ secret: config.secret, hubUrl: config.hubUrl });
const server = createServer(agent.nodeHandler());

server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  // Scripts and tests wait for this line; it names the URL to register as the delivery URL.
  console.log(`echo agent listening on http://${config.host}:${port}/ (hub ${config.hubUrl})`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
