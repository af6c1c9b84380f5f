/** Process entry: run the CLI with this process's arguments. Kept apart from main.ts so tests import main freely. */
import { main } from './main.ts';

await main(process.argv.slice(2));
