// Facts recorded after $after, whatever their valid time (what arrived since the graph watch last
// looked, events dated long before included), plus the whole history of the deploys and alerts
// among them: a finish or resolve names no service, and the listing takes it from the entity's start.
MATCH (f:Fact)
WHERE f.recordedAt > $after AND f.kind <> 'configValue'
RETURN f.kind AS kind, f.entity AS entity, f.validFrom AS validFrom, f.recordedAt AS recordedAt, f.key AS key, f.type AS type, f.attrs AS attrs
UNION
MATCH (e)-[:HAS_FACT]->(f:Fact)
WHERE f.recordedAt > $after AND f.kind IN ['deploy', 'alert']
MATCH (e)-[:HAS_FACT]->(g:Fact)
RETURN g.kind AS kind, g.entity AS entity, g.validFrom AS validFrom, g.recordedAt AS recordedAt, g.key AS key, g.type AS type, g.attrs AS attrs
