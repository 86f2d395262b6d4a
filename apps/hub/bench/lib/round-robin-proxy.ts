import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

export interface RoundRobinProxy {
  url: string;
  /** Connections each backend was given, by port. */
  connectionsByPort(): Map<number, number>;
  close(): Promise<void>;
}

/**
 * A loopback TCP load balancer: each new client connection goes to the next backend in turn,
 * and to the one after it when a backend refuses (a killed replica), as a health-checking load
 * balancer would. Clients keep connections alive, so the spread is per connection.
 */
export async function startRoundRobinProxy(backendPorts: readonly number[]): Promise<RoundRobinProxy> {
  const sockets = new Set<Socket>();
  const given = new Map<number, number>();
  let next = 0;
  const connectTo = (client: Socket, attemptsLeft: number) => {
    const port = backendPorts[next % backendPorts.length] as number;
    next++;
    const upstream = connect(port, '127.0.0.1');
    sockets.add(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      given.set(port, (given.get(port) ?? 0) + 1);
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      sockets.delete(upstream);
      if (!connected && attemptsLeft > 1) connectTo(client, attemptsLeft - 1);
      else client.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      if (connected) client.destroy();
    });
  };
  const server = createServer({ pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    connectTo(client, backendPorts.length);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connectionsByPort: () => new Map(given),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
