// MERGE on the unique key stores each event once, even when the driver retries a transaction
// whose commit it did not see, or two writers race; `created` tells this call whether it was new.
UNWIND $events AS e
MERGE (ev:Event {key: e.key})
  ON CREATE SET
    ev.source = e.source,
    ev.id = e.id,
    ev.type = e.type,
    ev.time = e.time,
    ev.recordedAt = e.recordedAt,
    ev.payload = e.payload,
    ev.batch = $batch
RETURN e.key AS key, ev.batch = $batch AS created
