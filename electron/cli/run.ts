// Runs the command line with the process's arguments and sets its exit code.
import { main } from './index.js';

process.exitCode = await main(process.argv.slice(2));
