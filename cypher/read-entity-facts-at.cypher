UNWIND $ids AS id
MATCH (:{{LABEL}} {id: id})-[:HAS_FACT]->(f:Fact)
WHERE f.validFrom <= $at AND f.recordedAt <= $knownAt
RETURN f.kind AS kind, f.entity AS entity, f.validFrom AS validFrom, f.recordedAt AS recordedAt, f.key AS key, f.type AS type, f.attrs AS attrs
