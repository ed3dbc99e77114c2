UNWIND $rows AS row
MATCH (:Service {id: row.from})-[r:DEPENDS_ON {dependency: row.id, row: row.row}]->(:Service {id: row.to})
DELETE r
