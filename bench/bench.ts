/** `npm run bench [-- options]`: the same as `stylegan bench`. */
import { main } from '../src/cli/main.js';

process.exitCode = await main(['bench', ...process.argv.slice(2)]);
