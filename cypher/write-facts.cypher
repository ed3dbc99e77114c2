// {{LABEL}} is the entity's label, chosen from the allow-list in src/store/neo4j/allow-list.ts.
UNWIND $facts AS row
MATCH (ev:Event {key: row.key})
MERGE (n:{{LABEL}} {id: row.entity})
MERGE (f:Fact {uid: row.uid})
  ON CREATE SET
    f.kind = row.kind,
    f.entity = row.entity,
    f.validFrom = row.validFrom,
    f.recordedAt = row.recordedAt,
    f.key = row.key,
    f.type = row.type,
    f.attrs = row.attrs
MERGE (n)-[:HAS_FACT]->(f)
MERGE (ev)-[:ASSERTED]->(f)
