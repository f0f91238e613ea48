// Runs the command line with the process's arguments and sets its exit code.
import { main } from './index.js';

// A closed pipe (`| head`) makes stdout emit EPIPE, an uncaught exception without a listener.
// The CliIO's stdout turns it into OutputClosedError, which ends the command with exit code 0.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

process.exitCode = await main(process.argv.slice(2));
