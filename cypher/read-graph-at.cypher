// Only entities whose rows hold at the instant are read, so the answer costs what is valid then,
// not the whole history.
MATCH (s:Service)-[:HAS_STATE]->(st:ServiceState)
WHERE st.validFrom <= $at < st.validTo AND st.recordedAt <= $knownAt < st.supersededAt
MATCH (s)-[:HAS_FACT]->(f:Fact)
WHERE f.validFrom <= $at AND f.recordedAt <= $knownAt
RETURN f.kind AS kind, f.entity AS entity, f.validFrom AS validFrom, f.recordedAt AS recordedAt, f.key AS key, f.type AS type, f.attrs AS attrs
UNION ALL
MATCH (:Service)-[r:DEPENDS_ON]->(:Service)
WHERE r.validFrom <= $at < r.validTo AND r.recordedAt <= $knownAt < r.supersededAt
MATCH (:Dependency {id: r.dependency})-[:HAS_FACT]->(f:Fact)
WHERE f.validFrom <= $at AND f.recordedAt <= $knownAt
RETURN f.kind AS kind, f.entity AS entity, f.validFrom AS validFrom, f.recordedAt AS recordedAt, f.key AS key, f.type AS type, f.attrs AS attrs
