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
  /**
   * The next statement whose text contains `fragment` runs and commits, but its answer never
   * reaches the client: the proxy swallows the reply up to ReadyForQuery (sent after the commit)
   * and then cuts that connection. Resolves when that has happened.
   */
  loseReplyTo(fragment: string): Promise<void>;
  close(): Promise<void>;
}

// PostgreSQL's ReadyForQuery message: 'Z', length 5, then the transaction status.
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5]);

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let armed: { fragment: string; lost(): void } | undefined;

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
        let swallowing: { buffered: Buffer; lost(): void } | undefined;
        client.on('data', (chunk: Buffer) => {
          if (armed && chunk.includes(armed.fragment)) {
            swallowing = { buffered: Buffer.alloc(0), lost: armed.lost };
            armed = undefined;
          }
          upstream.write(chunk);
        });
        upstream.on('data', (chunk: Buffer) => {
          if (!swallowing) {
            client.write(chunk);
            return;
          }
          swallowing.buffered = Buffer.concat([swallowing.buffered, chunk]);
          if (swallowing.buffered.includes(READY_FOR_QUERY)) {
            drop();
            swallowing.lost();
          }
        });
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
    loseReplyTo: (fragment) =>
      new Promise<void>((resolve) => {
        armed = { fragment, lost: resolve };
      }),
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
