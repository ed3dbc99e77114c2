// The facts of a set of services and of the dependencies visible between them.
UNWIND $ids AS id
MATCH (:Service {id: id})-[:HAS_FACT]->(f:Fact)
WHERE f.validFrom <= $at AND f.recordedAt <= $knownAt
RETURN f.kind AS kind, f.entity AS entity, f.validFrom AS validFrom, f.recordedAt AS recordedAt, f.key AS key, f.type AS type, f.attrs AS attrs
UNION ALL
MATCH (a:Service)-[r:DEPENDS_ON]->(b:Service)
WHERE a.id IN $ids AND b.id IN $ids AND r.validFrom <= $at < r.validTo AND r.recordedAt <= $knownAt < r.supersededAt
MATCH (:Dependency {id: r.dependency})-[:HAS_FACT]->(f:Fact)
WHERE f.validFrom <= $at AND f.recordedAt <= $knownAt
RETURN f.kind AS kind, f.entity AS entity, f.validFrom AS validFrom, f.recordedAt AS recordedAt, f.key AS key, f.type AS type, f.attrs AS attrs
