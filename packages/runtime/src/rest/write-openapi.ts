/**
 * Writes `docs/openapi.json` from the route table:
 * `scripts/run-node.sh packages/runtime/src/rest/write-openapi.ts`. A test fails when the
 * committed file differs from what this would write.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiJson } from './openapi.ts';

/** `docs/openapi.json` of the repository this file lives in. */
export const OPENAPI_PATH = fileURLToPath(new URL('../../../../docs/openapi.json', import.meta.url));

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(OPENAPI_PATH, openApiJson());
  // The repository's formatter has the last word on layout (the test compares parsed JSON).
  const biome = fileURLToPath(new URL('../../../../node_modules/@biomejs/biome/bin/biome', import.meta.url));
  execFileSync(process.execPath, [biome, 'format', '--write', OPENAPI_PATH], { stdio: 'inherit' });
  console.log(`wrote ${OPENAPI_PATH}`);
}
