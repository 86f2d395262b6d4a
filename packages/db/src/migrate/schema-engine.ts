// Loads Prisma's migration engine compiled to WebAssembly. The native `schema-engine` binary is
// downloaded by the Prisma CLI at run time, which fails without network access; the WASM build
// ships inside an npm package and talks to the database through a driver adapter instead.
// This is the engine's internal API: the package version is pinned exactly in package.json.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';

const require = createRequire(import.meta.url);

// The WebAssembly global exists in Node but @types/node 20 does not declare it.
interface WasmInstance {
  exports: Record<string, unknown> & { __wbindgen_start: () => void };
}
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: {
    instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: WasmInstance }>;
  };
};
let initialized: Promise<void> | undefined;

// Node 20 cannot import a .wasm file as an ES module, so the wasm-bindgen glue is wired by hand.
function initializeWasm(): Promise<void> {
  initialized ??= (async () => {
    const packageDir = dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
    const bytes = await readFile(join(packageDir, 'schema_engine_bg.wasm'));
    const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': bg });
    (bg as unknown as { __wbg_set_wasm(exports: unknown): void }).__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
  })();
  return initialized;
}

export interface SchemaFile {
  path: string;
  content: string;
}

export interface OpenSchemaEngine {
  engine: SchemaEngine;
  /** Frees the engine and disposes every connection it opened. */
  close(): Promise<void>;
}

/**
 * Opens the engine on connections it does not share with the caller. Freeing the engine does not
 * dispose the adapters it connected, and on PostgreSQL such a leaked session keeps Prisma's
 * migration advisory lock, stalling the next run for the lock timeout (10 s). So every adapter
 * the engine connects is tracked and disposed on close.
 */
export async function openSchemaEngine(
  schema: SchemaFile,
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  onLog: (message: string) => void = () => {},
): Promise<OpenSchemaEngine> {
  await initializeWasm();
  const opened: SqlDriverAdapter[] = [];
  const track = async (connect: () => Promise<SqlDriverAdapter>) => {
    const adapter = await connect();
    opened.push(adapter);
    return adapter;
  };
  const tracking: SqlMigrationAwareDriverAdapterFactory = {
    provider: adapterFactory.provider,
    adapterName: adapterFactory.adapterName,
    connect: () => track(() => adapterFactory.connect()),
    connectToShadowDb: () => track(() => adapterFactory.connectToShadowDb()),
  };
  const engine = (await bg.SchemaEngine.new(
    { datamodels: [[schema.path, schema.content]] },
    (log: unknown) => onLog(String(log)),
    bindMigrationAwareSqlAdapterFactory(tracking),
  )) as unknown as SchemaEngine;
  return {
    engine,
    close: async () => {
      engine.free();
      await Promise.allSettled(opened.map((adapter) => adapter.dispose()));
    },
  };
}
