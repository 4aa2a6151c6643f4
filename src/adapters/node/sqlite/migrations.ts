import type Database from 'better-sqlite3';

/** Versioned schema changes, applied in order, each once; `schema_migrations` records what ran. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs, events, work queue, upload ledger',
    sql: `
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        origin TEXT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        resolution TEXT,
        plan_json TEXT NOT NULL,
        progress_json TEXT NOT NULL DEFAULT '{}',
        result_json TEXT,
        destination_json TEXT NOT NULL,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        finished_at INTEGER,
        output_expires_at INTEGER,
        output_deleted_at INTEGER
      );
      CREATE INDEX jobs_by_created ON jobs (created_at DESC);
      CREATE TABLE job_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        data_json TEXT NOT NULL
      );
      CREATE INDEX job_events_by_job ON job_events (job_id, id);
      CREATE TABLE work_queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        available_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_expires_at INTEGER,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX work_queue_by_state ON work_queue (state, available_at);
      CREATE INDEX work_queue_by_job ON work_queue (job_id);
      CREATE TABLE upload_ledgers (
        ledger_id TEXT PRIMARY KEY,
        state_json TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'fencing: run generations, ledger fences; audience write locks',
    sql: `
      ALTER TABLE jobs ADD COLUMN run_generation INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE upload_ledgers ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE audience_locks (
        lock_key TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
];

/** Applies the migrations not yet recorded, each in its own transaction. Returns the versions applied. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
  );
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const ran: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      // Re-check inside the write lock: another process (the CLI next to the server) may have just run it.
      const already = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version);
      if (already) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
      ran.push(migration.version);
    }).immediate();
  }
  return ran;
}
