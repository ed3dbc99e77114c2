// Stable identity: one node per event and per entity, unique on its key. MERGE on these is what
// makes a retried or racing write store things once.
CREATE CONSTRAINT event_key IF NOT EXISTS FOR (n:Event) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT fact_uid IF NOT EXISTS FOR (n:Fact) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT service_id IF NOT EXISTS FOR (n:Service) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT dependency_id IF NOT EXISTS FOR (n:Dependency) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT deploy_id IF NOT EXISTS FOR (n:Deploy) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT config_change_id IF NOT EXISTS FOR (n:ConfigChange) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT config_value_id IF NOT EXISTS FOR (n:ConfigValue) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT alert_id IF NOT EXISTS FOR (n:Alert) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT incident_id IF NOT EXISTS FOR (n:Incident) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT causal_link_id IF NOT EXISTS FOR (n:CausalLink) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT migration_name IF NOT EXISTS FOR (n:Migration) REQUIRE n.name IS UNIQUE;
