import { connect, createServer, type Server, type Socket } from 'node:net';
import { applyMigrations, openDatabase } from '@switchboard/db';
import { createPostgresDatabase } from '@switchboard/db/testing';

/**
 * A loopback TCP proxy in front of PostgreSQL: closing it (and its live sockets) is a database
 * outage as the hub sees it, without stopping the server other test files share.
 */
export interface TcpProxy {
  port: number;
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        const address = next.address();
        port = typeof address === 'object' && address ? address.port : port;
        server = next;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });

  await listen();
  return {
    get port() {
      return port;
    },
    cut: stop,
    restore: listen,
    close: stop,
  };
}

/**
 * A fresh, migrated PostgreSQL database reachable through its own proxy: `url` goes through the
 * proxy (cut it for an outage), `drop()` closes the proxy and drops the database.
 */
export async function postgresBehindProxy(
  prefix: string,
): Promise<{ url: string; proxy: TcpProxy; drop(): Promise<void> }> {
  const created = await createPostgresDatabase(prefix);
  const direct = await openDatabase({ url: created.url });
  await applyMigrations({ adapterFactory: direct.adapterFactory });
  await direct.close();
  const target = new URL(created.url);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(created.url);
  viaProxy.port = String(proxy.port);
  return {
    url: viaProxy.toString(),
    proxy,
    drop: async () => {
      await proxy.close();
      await created.drop();
    },
  };
}
