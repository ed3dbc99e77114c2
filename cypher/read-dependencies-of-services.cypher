UNWIND $ids AS id
MATCH (:Service {id: id})<-[:FROM|TO]-(d:Dependency)
RETURN DISTINCT d.id AS id
