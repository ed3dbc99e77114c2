// Tests and benchmarks only: empties the database they were given.
MATCH (n)
DETACH DELETE n
