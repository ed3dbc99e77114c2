/** What the Neo4j adapter needs; `src/config.ts` builds it from the environment. */
export interface Neo4jConfig {
  /** `neo4j://host:7687` (routing, for a cluster) or `bolt://host:7687` (one instance); `+s`/`+ssc` for TLS. */
  uri: string;
  user: string;
  password: string;
  /** The database to use; the server's default when absent. */
  database?: string;
  maxConnectionPoolSize?: number;
  /** How long the driver keeps retrying a transaction that failed with a transient error. */
  maxTransactionRetryTimeMs?: number;
  /** Server-side limit for one transaction. */
  transactionTimeoutMs?: number;
  connectionTimeoutMs?: number;
}
