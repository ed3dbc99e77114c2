/**
 * Applies `cypher/migrations/*.cypher` in name order, each once, and records each as a
 * `:Migration` node. Every statement is idempotent (`IF NOT EXISTS`), so two instances starting
 * together, or a start that died half-way, end in the same schema.
 */
import type { Logger } from '../../logger.js';
import type { DriverLike } from './driver.js';
import type { QueryBook } from './queries.js';

export interface MigrationReport {
  applied: string[];
  skipped: string[];
}

export async function applyMigrations(driver: DriverLike, q: QueryBook, logger: Logger, now: () => number = Date.now): Promise<MigrationReport> {
  const report: MigrationReport = { applied: [], skipped: [] };
  const session = driver.session('WRITE');
  try {
    for (const m of q.migrations) {
      const seen = await session.executeRead(async (tx) => (await tx.run(q.text('migration-applied'), { name: m.name })).records);
      const checksum = seen[0]?.toObject().checksum;
      if (seen.length > 0) {
        if (checksum !== m.checksum) logger.warn({ migration: m.name, stored: checksum, file: m.checksum }, 'an applied migration was edited; it is not run again');
        report.skipped.push(m.name);
        continue;
      }
      // Schema statements cannot share a transaction with data writes, nor with each other.
      for (const statement of m.statements) await session.executeWrite(async (tx) => void (await tx.run(statement, {})));
      await session.executeWrite(async (tx) => void (await tx.run(q.text('migration-record'), { name: m.name, checksum: m.checksum, appliedAt: now() })));
      report.applied.push(m.name);
    }
  } finally {
    await session.close();
  }
  if (report.applied.length > 0) logger.info(report, 'neo4j migrations applied');
  return report;
}
