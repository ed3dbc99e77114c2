UNWIND $rows AS row
MATCH (:Service {id: row.id})-[:HAS_STATE]->(st:ServiceState {row: row.row})
DETACH DELETE st
