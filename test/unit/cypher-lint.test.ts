import { describe, expect, it } from 'vitest';
import { lintCypherFiles, lintOne } from '../../cypher/lint.js';

// Neo4j's Cypher front end needs a few seconds to warm up, then a fraction of a second per query.
const SLOW = 300_000;

describe('cypher lint (offline, Neo4j language support)', () => {
  it('finds no problem in any query, migration or allow-listed template variant', { timeout: SLOW }, async () => {
    const { checked, problems } = await lintCypherFiles();
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  it('reports an unknown label, an undeclared parameter, an unknown function and a syntax error', { timeout: SLOW }, () => {
    expect(lintOne('MATCH (s:Servise {id: $id}) RETURN s', { id: '' }).map((d) => d.message).join()).toMatch(/Servise/);
    expect(lintOne('MATCH (s:Service {id: $nope}) RETURN s', { id: '' }).map((d) => d.message).join()).toMatch(/\$nope/);
    expect(lintOne('MATCH (s:Service) RETURN maxx(s.id)', {}).length).toBeGreaterThan(0);
    expect(lintOne('MATCH (s:Service) RETURN s LIMIT', {}).length).toBeGreaterThan(0);
  });
});
