RETURN
  COUNT { (:Event) } AS events,
  COUNT { (:Fact) } AS facts,
  COUNT { (s:Service) WHERE EXISTS { (s)-[:HAS_FACT]->(:Fact) } } AS services,
  COUNT { (d:Dependency) WHERE EXISTS { (d)-[:HAS_FACT]->(:Fact) } } AS dependencies
