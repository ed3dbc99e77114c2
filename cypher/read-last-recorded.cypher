// The latest recording time of any fact (no row when there is none): the graph watch's watermark.
// Index-backed (fact_recorded_at): the newest entry of the range index.
MATCH (f:Fact)
WHERE f.recordedAt IS NOT NULL
RETURN f.recordedAt AS lastRecordedAt
ORDER BY lastRecordedAt DESC
LIMIT 1
