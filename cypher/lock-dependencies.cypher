// As lock-services.cypher, for dependencies and the services at both of their ends.
UNWIND $ids AS id
MATCH (d:Dependency {id: id})-[:FROM|TO]->(s:Service)
SET d._lock = true, s._lock = true
REMOVE d._lock, s._lock
