// Services reachable from the frontier over dependencies visible at the instant. The validity
// predicate sits inside the quantified pattern, so expansion stops at edges that do not hold;
// {{HOPS}} (a bound from the allow-list) caps the depth, {{IN}}/{{OUT}} set the direction.
MATCH (c:Service)
WHERE c.id IN $frontier
MATCH p = ANY SHORTEST (c)((:Service){{IN}}-[r:DEPENDS_ON WHERE r.validFrom <= $at < r.validTo AND r.recordedAt <= $knownAt < r.supersededAt]-{{OUT}}(:Service)){1,{{HOPS}}}(x:Service)
RETURN x.id AS id, min(length(p)) AS hops
