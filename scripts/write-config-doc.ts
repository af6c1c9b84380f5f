/** Regenerates docs/configuration.md from the daemon's config schema: `npm run docs:config`. */
import { writeFile } from 'node:fs/promises';
import { configurationDoc } from '../src/daemon/config-doc.ts';

await writeFile(new URL('../docs/configuration.md', import.meta.url), configurationDoc());
