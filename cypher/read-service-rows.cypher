UNWIND $ids AS id
MATCH (:Service {id: id})-[:HAS_STATE]->(st:ServiceState)
RETURN id, st.validFrom AS validFrom, st.validTo AS validTo, st.recordedAt AS recordedAt, st.supersededAt AS supersededAt, true AS value
