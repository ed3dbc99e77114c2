/**
 * Writes schema/events.schema.json, the JSON Schema of every event, for producers in other
 * languages. With --check it writes nothing and fails when the committed file has drifted.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CloudEvent } from './events.js';

const target = fileURLToPath(new URL('./events.schema.json', import.meta.url));

export function eventsJsonSchema(): string {
  const schema = z.toJSONSchema(CloudEvent, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  const doc = {
    $id: 'https://ctxgraph.dev/schema/events.schema.json',
    title: 'ctxgraph CloudEvent (CONTRACT v1 §1)',
    description: 'Generated from schema/events.ts by `npm run schema:print`. Do not edit by hand.',
    ...schema,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const text = eventsJsonSchema();
if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== text) {
    console.error('schema/events.schema.json is out of date with schema/events.ts: run `npm run schema:print` and commit it.');
    process.exit(1);
  }
  console.log('schema/events.schema.json is up to date');
} else {
  await writeFile(target, text);
  console.log(`wrote ${target}`);
}
