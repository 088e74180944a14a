/**
 * Rewrites libs/events/src/generated/event-types.ts from schemas/avro.
 * Run from the repository root (ts-node is not installed, so compile first):
 *   npx tsc --outDir .local/gen --module commonjs --target es2022 --types node --skipLibCheck scripts/gen-event-types.ts \
 *     && node .local/gen/scripts/gen-event-types.js
 * The type-gen spec fails whenever the committed file differs from this output.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findSchemaDir, readSchemaFiles } from '../libs/events/src/schema-files';
import { generateEventTypes } from '../libs/events/src/type-gen';

const schemaDir = findSchemaDir(__dirname);
const repoRoot = dirname(dirname(schemaDir));
const target = join(repoRoot, 'libs', 'events', 'src', 'generated', 'event-types.ts');
writeFileSync(target, generateEventTypes(readSchemaFiles(schemaDir)));
console.log(`wrote ${target}`);
