/**
 * Regenerates tests/fixtures/reader-contract.jsonl by running the TypeScript readers on the cases of
 * scripts/reader-contract.ts: `npx tsx scripts/generate-reader-contract.ts`. Commit the result; the
 * Glue tests read it, and `npm test` fails while the committed file differs from what the readers do.
 */
import { writeFileSync } from 'node:fs';
import { READER_CONTRACT_PATH, readerContractLines } from './reader-contract.ts';

const lines = await readerContractLines();
writeFileSync(READER_CONTRACT_PATH, `${lines.join('\n')}\n`);
process.stdout.write(`${READER_CONTRACT_PATH}: ${lines.length} cases\n`);
