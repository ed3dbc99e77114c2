// Rows are invalidated in place (supersededAt set), added, or, only when a writer's clock ran
// behind one already stored, dropped; see planRowChanges in src/model/bitemporal.ts.
UNWIND $rows AS row
MERGE (s:Service {id: row.id})
MERGE (s)-[:HAS_STATE]->(st:ServiceState {row: row.row})
  ON CREATE SET st.validFrom = row.validFrom, st.validTo = row.validTo, st.recordedAt = row.recordedAt
SET st.supersededAt = row.supersededAt
