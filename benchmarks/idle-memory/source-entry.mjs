// Runs `sluice <args>` from the TypeScript sources of the tree given first, as
// packages/cli/bin/sluice.mjs does in a checkout without dist/ (how `npm start` runs in a fresh
// clone). run.ts starts it with --conditions=sluice-source, so the workspaces resolve to src/.
import { pathToFileURL } from 'node:url';

const [tree, ...argv] = process.argv.slice(2);
const { main, endProcess } = await import(pathToFileURL(`${tree}/packages/cli/src/main.ts`).href);
endProcess(argv, await main(argv));
