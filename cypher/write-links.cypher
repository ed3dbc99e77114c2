// Which entities name a service; {{LABEL}} and {{REL}} come from the allow-list.
UNWIND $links AS row
MERGE (s:Service {id: row.service})
MERGE (n:{{LABEL}} {id: row.target})
MERGE (s)-[:{{REL}}]->(n)
