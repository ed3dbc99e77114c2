/**
 * `ctxgraph audit:verify`: checks the signed audit in files and prints what is wrong, line by line.
 * Exit code 0 when the log verifies, 1 when it does not, 2 when it cannot be read.
 */
import { join } from 'node:path';
import { verifyAuditFile } from './audit-file.js';

/** Where the audit lives under a data directory unless configured otherwise. */
export const defaultAuditPaths = (dataDir: string): { auditFile: string; auditKeyFile: string } => ({
  auditFile: join(dataDir, 'audit', 'audit.ndjson'),
  auditKeyFile: join(dataDir, 'audit', 'audit.key'),
});

export async function runAuditVerify(paths: { auditFile: string; auditKeyFile: string }, out: (line: string) => void = console.log): Promise<number> {
  let r;
  try {
    r = await verifyAuditFile(paths.auditFile, paths.auditKeyFile);
  } catch (e) {
    out(`cannot verify ${paths.auditFile}: ${(e as Error).message}`);
    return 2;
  }
  for (const p of r.problems) out(`${p.line === 0 ? `${paths.auditFile}.head` : `${paths.auditFile}:${p.line}`}: ${p.message}`);
  for (const w of r.warnings) out(`warning: ${w}`);
  out(r.ok ? `${paths.auditFile}: ${r.entries} entries, chain and signatures intact, ends where the signed head says` : `${paths.auditFile}: ${r.problems.length} problem(s) in ${r.entries} entries`);
  return r.ok ? 0 : 1;
}
