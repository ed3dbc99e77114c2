// A dependency's visibility depends on its own facts and on both of its services' presence.
UNWIND $ids AS id
MATCH (:Dependency {id: id})-[:HAS_FACT]->(f:Fact)
RETURN f.kind AS kind, f.entity AS entity, f.validFrom AS validFrom, f.recordedAt AS recordedAt, f.key AS key, f.type AS type, f.attrs AS attrs
UNION
UNWIND $ids AS id
MATCH (:Dependency {id: id})-[:FROM|TO]->(:Service)-[:HAS_FACT]->(f:Fact)
RETURN f.kind AS kind, f.entity AS entity, f.validFrom AS validFrom, f.recordedAt AS recordedAt, f.key AS key, f.type AS type, f.attrs AS attrs
