import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { mergeSecrets, Registry } from '@switchboard/core';
import {
  createStores,
  type Db,
  dataDirOwner,
  diagnosePostgres,
  migrationStatus,
  openDatabase,
  resolveSecretKey,
} from '@switchboard/db';
import type { Command } from 'commander';
import { loadChannelRegistry } from '../../channels/registry.js';
import { type CliContext, cliContext } from '../context.js';
import { readOperatorFile } from '../operator-file.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What the operator can do about a failed check. */
  fix?: string;
}

/**
 * Read-only health report: it never creates the data directory or a key, applies a migration or
 * changes a row.
 */
export async function runDoctor(context: CliContext): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const embedded = !context.env.DATABASE_URL;
  // A plugin that cannot be loaded is a failed check, not a crash of the health report.
  const plugins = await loadChannelRegistry({ env: context.env }).then(
    (registry) => ({ registry, error: undefined }),
    (error: unknown) => ({ registry: new Registry(), error: error as Error }),
  );
  const { registry } = plugins;

  const key = await resolveSecretKey({
    envValue: context.env.SWITCHBOARD_SECRET_KEY,
    dataDir: embedded ? context.dataDir : undefined,
    create: false,
  }).then(
    (resolved) => {
      checks.push({
        name: 'secret key',
        ok: true,
        detail: `from ${resolved.source}, key id ${resolved.box.currentKeyId}`,
      });
      return resolved;
    },
    (error: unknown) => {
      checks.push({
        name: 'secret key',
        ok: false,
        detail: (error as Error).message,
        fix: 'set SWITCHBOARD_SECRET_KEY="$(openssl rand -base64 32)", or run `switchboard start` once on the embedded database',
      });
      return undefined;
    },
  );

  checks.push(
    plugins.error
      ? {
          name: 'channel types',
          ok: false,
          detail: plugins.error.message,
          fix: 'install the adapter package or correct SWITCHBOARD_PLUGINS',
        }
      : { name: 'channel types', ok: registry.types().length > 0, detail: registry.types().join(', ') },
  );

  if (embedded) {
    const pgdata = join(context.dataDir, 'pgdata');
    const exists = await access(pgdata).then(
      () => true,
      () => false,
    );
    if (!exists) {
      checks.push({
        name: 'database',
        ok: false,
        detail: `no embedded database at ${pgdata}`,
        fix: 'run `switchboard start` once (it creates the database and a key), or set DATABASE_URL',
      });
      return checks;
    }
    const owner = await dataDirOwner(context.dataDir);
    if (owner) {
      // The running hub owns the database (and applied the migrations); ask it instead.
      checks.push(await hubReadiness(context, owner.pid, owner.holder));
      return checks;
    }
  } else {
    const diagnosis = await diagnosePostgres(context.env.DATABASE_URL as string);
    if (!diagnosis.ok) {
      checks.push({
        name: 'database',
        ok: false,
        detail: diagnosis.detail,
        ...(diagnosis.fix ? { fix: diagnosis.fix } : {}),
      });
      return checks;
    }
  }

  let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    database = await openDatabase(
      embedded
        ? { dataDir: context.dataDir, holder: 'switchboard doctor' }
        : { url: context.env.DATABASE_URL },
    );
    await database.ping();
    checks.push({ name: 'database', ok: true, detail: database.location });
  } catch (error) {
    checks.push({
      name: 'database',
      ok: false,
      detail: (error as Error).message,
      fix: 'check DATABASE_URL and that PostgreSQL is running',
    });
    await database?.close().catch(() => {});
    return checks;
  }

  try {
    const status = await migrationStatus({ adapterFactory: database.adapterFactory });
    checks.push({
      name: 'migrations',
      ok: status.upToDate,
      detail: status.upToDate
        ? `${status.appliedCount} applied`
        : `pending: [${status.pending.join(', ')}] failed: [${status.failed.join(', ')}] edited: [${status.edited.join(', ')}] unknown: [${status.unknown.join(', ')}]`,
      fix: status.upToDate ? undefined : 'run `switchboard db migrate`',
    });
    if (status.upToDate && key) {
      const stores = createStores(database.prisma, key.box);
      const installations = await database.prisma.channelInstallation.findMany({
        where: { status: 'active' },
        select: { id: true, channelType: true },
      });
      const broken: string[] = [];
      for (const { id, channelType } of installations) {
        try {
          const installation = await stores.installations.getWithSecrets(id);
          // Account-provisioner installations (no chat) validate against their provisioner's schema.
          const factory = registry.provisioner(channelType) ?? registry.get(channelType);
          const result = factory.configSchema.safeParse(
            mergeSecrets(installation.config, installation.secrets),
          );
          if (!result.success)
            broken.push(`${id} (${channelType}): ${result.error.issues.map((i) => i.message).join('; ')}`);
        } catch (error) {
          broken.push(`${id} (${channelType}): ${(error as Error).message}`);
        }
      }
      checks.push({
        name: 'installations',
        ok: broken.length === 0,
        detail: broken.length === 0 ? `${installations.length} active, all valid` : broken.join(' | '),
        fix: broken.length === 0 ? undefined : 'PATCH the installation config or revoke it',
      });
      checks.push(...(await healthChecks(database.prisma)));
    }
  } finally {
    await database.close();
  }
  return checks;
}

/**
 * The health monitor's findings as the hub last recorded them: one failed check per problem, with
 * its fix; one passing check when there are none.
 */
async function healthChecks(db: Db): Promise<DoctorCheck[]> {
  const rows = await db.channelInstallationStatus.findMany({
    where: { installation: { status: 'active' } },
    select: { installationId: true, problems: true, installation: { select: { channelType: true } } },
    orderBy: { installationId: 'asc' },
  });
  const checks: DoctorCheck[] = [];
  for (const row of rows) {
    const problems = Array.isArray(row.problems) ? (row.problems as Array<Record<string, unknown>>) : [];
    for (const problem of problems) {
      checks.push({
        name: `installation ${row.installationId} (${row.installation.channelType})`,
        ok: false,
        detail: `${String(problem.code)}: ${String(problem.message)}`,
        fix: String(problem.hint),
      });
    }
  }
  if (checks.length === 0) {
    checks.push({ name: 'installation health', ok: true, detail: 'the health monitor found no problems' });
  }
  return checks;
}

async function hubReadiness(context: CliContext, pid: number, holder: string): Promise<DoctorCheck> {
  const local = await readOperatorFile(context.dataDir);
  if (!local) {
    return {
      name: 'database',
      ok: true,
      detail: `in use by ${holder} (pid ${pid}); run doctor again when it has finished`,
    };
  }
  try {
    const response = await fetch(new URL('/readyz', local.url), { signal: AbortSignal.timeout(5_000) });
    return {
      name: 'database',
      ok: response.ok,
      detail: `owned by ${holder} (pid ${pid}) at ${local.url}; /readyz answers ${response.status}`,
      ...(response.ok ? {} : { fix: 'see the hub log' }),
    };
  } catch (error) {
    return {
      name: 'database',
      ok: false,
      detail: `owned by ${holder} (pid ${pid}), which does not answer at ${local.url} (${(error as Error).message})`,
      fix: `stop it (kill ${pid}) and start the hub again`,
    };
  }
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      "check database, migrations, secret key, channel types, installation configs and the health monitor's problems",
    )
    .option('--data-dir <dir>', 'data directory of the embedded database')
    .option('--json', 'print the checks as JSON')
    .action(async (options: { dataDir?: string; json?: boolean }) => {
      const checks = await runDoctor(cliContext(options));
      if (options.json) {
        console.log(JSON.stringify(checks, null, 2));
      } else {
        for (const check of checks) {
          console.log(
            `${check.ok ? 'ok  ' : 'FAIL'}  ${check.name}: ${check.detail}${check.fix ? `\n      fix: ${check.fix}` : ''}`,
          );
        }
      }
      if (checks.some((check) => !check.ok)) process.exitCode = 1;
    });
}
