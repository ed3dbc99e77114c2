UNWIND $ids AS id
MATCH (:Dependency {id: id})-[:FROM]->(:Service)-[r:DEPENDS_ON {dependency: id}]->(:Service)
RETURN id, r.validFrom AS validFrom, r.validTo AS validTo, r.recordedAt AS recordedAt, r.supersededAt AS supersededAt, r.critical AS value
