/**
 * Prints the GraphQL schema to schema/schema.graphql, the SDL that clients and agents read.
 * `--check` prints nothing and exits 1 when the committed file differs from the code (CI).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from '../src/api/schema.js';

const target = fileURLToPath(new URL('./schema.graphql', import.meta.url));
const sdl = `${printSchema(lexicographicSortSchema(schema))}\n`;

if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => null);
  if (committed !== sdl) {
    console.error(
      committed === null
        ? `${target} is missing; run \`npm run schema:print\` and commit it.`
        : `${target} differs from the schema in src/api; run \`npm run schema:print\`, review \`git diff schema/schema.graphql\` and commit it.`,
    );
    process.exit(1);
  }
  console.log(`${target} is up to date.`);
} else {
  await writeFile(target, sdl);
  console.log(`wrote ${target}`);
}
