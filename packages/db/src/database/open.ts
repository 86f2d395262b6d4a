import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import { translateDatabaseError } from './errors.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface OpenDatabaseOptions {
  /** `postgres://…` selects PostgreSQL; absent selects embedded PGlite. */
  url?: string;
  /** PGlite data directory; absent means an in-memory database (tests). */
  dataDir?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** Who opens the data directory, as a refused second process is told (default `a switchboard process`). */
  holder?: string;
}

function createClient(adapter: SqlMigrationAwareDriverAdapterFactory) {
  // Every query error passes through one place that turns outages into a typed error, so no
  // caller has to recognise driver-specific failure shapes.
  return new PrismaClient({ adapter }).$extends({
    query: {
      async $allOperations({ args, query }) {
        try {
          return await query(args);
        } catch (error) {
          translateDatabaseError(error);
        }
      },
    },
  });
}

export type Db = ReturnType<typeof createClient>;
/** The client handed to a `$transaction` callback. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** Runs one parameterized statement; returns its rows. */
export type SqlRunner = <Row>(text: string, values: unknown[]) => Promise<Row[]>;

export interface Database {
  readonly kind: DatabaseKind;
  readonly prisma: Db;
  /**
   * PostgreSQL only: a few connections of their own for the ingress inbox insert, so the
   * acknowledgement of a webhook never queues behind worker queries in the shared pool, and
   * skips the ORM for the one statement on the hot path.
   */
  readonly ingressSql?: SqlRunner;
  /** PostgreSQL only: the workers' claim/finish statements, on a pool of their own, outside the ORM. */
  readonly workerSql?: SqlRunner;
  /** Adapter factory for the migration engine (same database as `prisma`). */
  readonly adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Human-readable location without credentials. */
  readonly location: string;
  /** PGlite on a folder: the lock that makes this process its only owner. */
  readonly lock?: DataDirLock;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

function describePostgresUrl(url: string): string {
  const parsed = new URL(url);
  return `postgres://${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

/** The same kind of runner over the Prisma client (PGlite, and PostgreSQL without the pools). */
export function prismaRunner(db: Db): SqlRunner {
  return <Row>(text: string, values: unknown[]) => db.$queryRawUnsafe<Row[]>(text, ...values);
}

function directPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
  // An idle client that errors (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

function runnerOn(pool: pg.Pool): SqlRunner {
  return async <Row>(text: string, values: unknown[]) => {
    try {
      return (await pool.query(text, values)).rows as Row[];
    } catch (error) {
      translateDatabaseError(error);
    }
  };
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.url !== undefined && options.url !== '') {
    if (!isPostgresUrl(options.url)) {
      throw new Error('DATABASE_URL must start with postgres:// or postgresql://');
    }
    const adapterFactory = new PrismaPg({
      connectionString: options.url,
      // Ingress inserts and worker queries share the pool; too few connections queue the ack.
      max: options.poolSize ?? 20,
      // Without a timeout a blackholed server would hang requests instead of answering 503.
      connectionTimeoutMillis: 5_000,
    });
    const prisma = createClient(adapterFactory);
    // The hot statements get pools of their own (see Database.ingressSql / workerSql).
    const ingressPool = directPool(options.url, 4);
    const workerPool = directPool(options.url, 6);
    return {
      kind: 'postgres',
      prisma,
      ingressSql: runnerOn(ingressPool),
      workerSql: runnerOn(workerPool),
      adapterFactory,
      location: describePostgresUrl(options.url),
      ping: async () => {
        await prisma.$queryRaw`SELECT 1`;
      },
      close: async () => {
        await prisma.$disconnect();
        await Promise.all([ingressPool.end(), workerPool.end()]);
      },
    };
  }
  let pglite: PGlite;
  let lock: DataDirLock | undefined;
  if (options.dataDir) {
    // Before PGlite touches a page: a second process on the same folder would corrupt it.
    lock = await lockDataDir(options.dataDir, options.holder ?? 'a switchboard process');
    try {
      const dir = join(options.dataDir, 'pgdata');
      await mkdir(dir, { recursive: true });
      pglite = await PGlite.create(dir);
    } catch (error) {
      await lock.release();
      throw error;
    }
  } else {
    pglite = await PGlite.create();
  }
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = createClient(adapterFactory);
  return {
    kind: 'pglite',
    prisma,
    adapterFactory,
    location: options.dataDir ? `pglite:${join(options.dataDir, 'pgdata')}` : 'pglite:memory',
    ...(lock ? { lock } : {}),
    ping: async () => {
      await prisma.$queryRaw`SELECT 1`;
    },
    close: async () => {
      await prisma.$disconnect();
      // One process owns a PGlite data dir at a time: close it so the next start can open it.
      try {
        await pglite.close();
      } finally {
        await lock?.release();
      }
    },
  };
}
