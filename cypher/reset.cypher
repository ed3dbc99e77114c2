// Tests and benchmarks only: empties the database they were given, keeping the schema's record.
MATCH (n)
WHERE NOT n:Migration
DETACH DELETE n
