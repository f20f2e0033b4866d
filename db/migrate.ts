import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { Kysely, Migrator, type Migration, type MigrationProvider } from 'kysely';

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Loads db/migrations/*.ts in name order (under tsx and vitest), or the compiled *.js (dist/db/migrations). */
class FolderMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await fs.readdir(migrationsFolder)).filter((f) => /^\d{14}_.+\.(ts|js)$/.test(f) && !f.endsWith('.d.ts')).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      migrations[file.replace(/\.(ts|js)$/, '')] = (await import(pathToFileURL(path.join(migrationsFolder, file)).href)) as Migration;
    }
    return migrations;
  }
}

/**
 * Creates the database named in the URL when it does not exist yet. It connects to that database first
 * and only when Postgres answers that it does not exist (3D000) to `adminDatabase` to create it: a role
 * or a pooler that knows only the service's database (PgBouncer, a managed service) starts as well.
 */
export async function ensureDatabaseExists(connectionString: string, adminDatabase = 'postgres'): Promise<void> {
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) return;
  const own = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  const missing = await own.connect().then(
    () => false,
    (error: { code?: string }) => {
      if (error.code !== '3D000') throw error;
      return true;
    },
  );
  if (!missing) {
    await own.end();
    return;
  }
  const admin = new URL(connectionString);
  admin.pathname = `/${adminDatabase}`;
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (error) {
    // Another process created it meanwhile (42P04), or at the same moment (23505, on pg_database's name).
    const code = (error as { code?: string }).code;
    if (code !== '42P04' && code !== '23505') throw error;
  } finally {
    await client.end();
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new FolderMigrationProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { loadConfig } = await import('../src/config/config.ts');
  const { createDatabase } = await import('./database.ts');
  const config = loadConfig();
  await ensureDatabaseExists(config.DATABASE_URL);
  const { db } = createDatabase(config.DATABASE_URL, 1);
  const applied = await migrateToLatest(db);
  console.log(applied.length ? `Applied ${applied.join(', ')}` : 'Database is up to date');
  await db.destroy();
}
