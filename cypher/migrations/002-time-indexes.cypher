// Range indexes for the time predicates: change windows scan facts by valid time, and the
// versioned rows are found by the dependency they belong to.
CREATE RANGE INDEX fact_valid_from IF NOT EXISTS FOR (n:Fact) ON (n.validFrom);
CREATE RANGE INDEX service_state_valid_from IF NOT EXISTS FOR (n:ServiceState) ON (n.validFrom);
CREATE RANGE INDEX service_state_row IF NOT EXISTS FOR (n:ServiceState) ON (n.row);
CREATE RANGE INDEX depends_on_dependency IF NOT EXISTS FOR ()-[r:DEPENDS_ON]-() ON (r.dependency);
CREATE RANGE INDEX depends_on_valid_from IF NOT EXISTS FOR ()-[r:DEPENDS_ON]-() ON (r.validFrom);
