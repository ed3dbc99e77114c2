// Takes the write lock on these services before their facts are read, so that two writers never
// derive rows from facts the other is adding (Neo4j reads committed data only).
UNWIND $ids AS id
MATCH (s:Service {id: id})
SET s._lock = true
REMOVE s._lock
