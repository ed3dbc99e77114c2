// The graph watch reads what was recorded since it last looked, whatever its valid time.
CREATE RANGE INDEX fact_recorded_at IF NOT EXISTS FOR (n:Fact) ON (n.recordedAt);
