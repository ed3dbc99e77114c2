// Entities of {{LABEL}} that name these services through {{REL}} and have a fact known and valid
// in [from, at]: every deploy, config change or alert that started in the window has one.
UNWIND $services AS sid
MATCH (:Service {id: sid})-[:{{REL}}]->(n:{{LABEL}})
WHERE EXISTS {
  MATCH (n)-[:HAS_FACT]->(g:Fact)
  WHERE $from <= g.validFrom <= $at AND g.recordedAt <= $knownAt
}
WITH DISTINCT n
MATCH (n)-[:HAS_FACT]->(f:Fact)
WHERE f.validFrom <= $at AND f.recordedAt <= $knownAt
RETURN f.kind AS kind, f.entity AS entity, f.validFrom AS validFrom, f.recordedAt AS recordedAt, f.key AS key, f.type AS type, f.attrs AS attrs
