// The service, what names it (deploys, alerts, config), its dependencies and the services at
// their other ends: everything a service detail is derived from.
MATCH (s:Service {id: $id})
CALL (s) {
  MATCH (s)-[:HAS_FACT]->(f:Fact)
  RETURN f
  UNION
  MATCH (s)-[:HAS_DEPLOY|HAS_ALERT|HAS_CONFIG_VALUE]->()-[:HAS_FACT]->(f:Fact)
  RETURN f
  UNION
  MATCH (s)<-[:FROM|TO]-(:Dependency)-[:HAS_FACT]->(f:Fact)
  RETURN f
  UNION
  MATCH (s)<-[:FROM|TO]-(:Dependency)-[:FROM|TO]->(:Service)-[:HAS_FACT]->(f:Fact)
  RETURN f
}
WITH f
WHERE f.validFrom <= $at AND f.recordedAt <= $knownAt
RETURN f.kind AS kind, f.entity AS entity, f.validFrom AS validFrom, f.recordedAt AS recordedAt, f.key AS key, f.type AS type, f.attrs AS attrs
