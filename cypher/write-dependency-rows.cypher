// The versioned relationship: one DEPENDS_ON per stretch of valid × recorded time in which the
// dependency is visible (upserted, and both services present), with `critical` as it was then.
UNWIND $rows AS row
MATCH (a:Service {id: row.from})
MATCH (b:Service {id: row.to})
MERGE (a)-[r:DEPENDS_ON {dependency: row.id, row: row.row}]->(b)
  ON CREATE SET r.validFrom = row.validFrom, r.validTo = row.validTo, r.recordedAt = row.recordedAt, r.critical = row.value
SET r.supersededAt = row.supersededAt
