import type Database from 'better-sqlite3';

/**
 * The upload ledger on SQLite: one JSON document per ledger id (a job). `save` commits before it
 * returns (synchronous better-sqlite3, synchronous=FULL), so a crash right after an upload is
 * recorded can never lose the record and cause a second upload.
 */
export class SqliteUploadLedgerStore<State = unknown> {
  constructor(private readonly db: Database.Database) {}

  async load(ledgerId: string): Promise<State | undefined> {
    const json = this.db.prepare('SELECT state_json FROM upload_ledgers WHERE ledger_id = ?').pluck().get(ledgerId) as
      string | undefined;
    return json === undefined ? undefined : (JSON.parse(json) as State);
  }

  async save(ledgerId: string, state: State): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO upload_ledgers (ledger_id, state_json, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (ledger_id) DO UPDATE SET state_json = excluded.state_json, updated_at = excluded.updated_at`,
      )
      .run(ledgerId, JSON.stringify(state), Date.now());
  }

  delete(ledgerId: string): void {
    this.db.prepare('DELETE FROM upload_ledgers WHERE ledger_id = ?').run(ledgerId);
  }
}
