MATCH (m:Migration {name: $name})
RETURN m.checksum AS checksum
