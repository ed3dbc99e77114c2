// What touches one service in the window: its own facts, its dependencies', its deploys',
// alerts' and agent actions' (whole history, see read-changes.cypher), its config changes', and every incident with
// a fact in the window (whether it names the service is decided from its state at the window's end).
OPTIONAL MATCH (s:Service {id: $service})
CALL (s) {
  MATCH (s)-[:HAS_FACT]->(f:Fact)
  WHERE $from <= f.validFrom <= $to
  RETURN f
  UNION
  MATCH (s)<-[:FROM|TO]-(:Dependency)-[:HAS_FACT]->(f:Fact)
  WHERE $from <= f.validFrom <= $to
  RETURN f
  UNION
  MATCH (s)-[:HAS_DEPLOY|HAS_ALERT|HAS_ACTION]->()-[:HAS_FACT]->(f:Fact)
  RETURN f
  UNION
  MATCH (s)-[:HAS_CONFIG_CHANGE]->()-[:HAS_FACT]->(f:Fact)
  WHERE $from <= f.validFrom <= $to
  RETURN f
}
RETURN f.kind AS kind, f.entity AS entity, f.validFrom AS validFrom, f.recordedAt AS recordedAt, f.key AS key, f.type AS type, f.attrs AS attrs
UNION
MATCH (i:Incident)-[:HAS_FACT]->(w:Fact)
WHERE $from <= w.validFrom <= $to AND w.recordedAt <= $knownAt
WITH DISTINCT i
MATCH (i)-[:HAS_FACT]->(f:Fact)
WHERE f.validFrom <= $to
RETURN f.kind AS kind, f.entity AS entity, f.validFrom AS validFrom, f.recordedAt AS recordedAt, f.key AS key, f.type AS type, f.attrs AS attrs
