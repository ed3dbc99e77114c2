UNWIND $dependencies AS row
MERGE (d:Dependency {id: row.id})
  ON CREATE SET d.from = row.from, d.to = row.to
MERGE (a:Service {id: row.from})
MERGE (b:Service {id: row.to})
MERGE (d)-[:FROM]->(a)
MERGE (d)-[:TO]->(b)
