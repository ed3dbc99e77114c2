MERGE (m:Migration {name: $name})
  ON CREATE SET m.checksum = $checksum, m.appliedAt = $appliedAt
