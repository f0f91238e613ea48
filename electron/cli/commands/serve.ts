import { parseArgs } from 'node:util';

import { defaultPaths } from '../../core/paths.js';
import { startServe } from '../../server/app.js';
import { UsageError, type CliIO } from '../io.js';

export const SERVE_HELP = `Usage: deit-tagger serve [options]

Serves the gallery and its API over HTTP. The first line printed is the URL to open; it
carries a random access token, and every request without that token is rejected.
Stop the server with Ctrl+C.

Options:
  --db FILE          library database (default: ${defaultPaths().database})
  --port N           TCP port; 0 picks a free one (default: 0)
  --host H           address to listen on (default: 127.0.0.1, this machine only)
  --model FILE       ONNX model file for scans (default: the library's active model)
  --models-dir DIR   folder of installed models (default: ${defaultPaths().modelsDir})
`;

/** Runs `serve` until SIGINT or SIGTERM, then closes the server and the database. */
export async function runServe(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      db: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      model: { type: 'string' },
      'models-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(SERVE_HELP);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got ${values.port}`);
  }

  const log = (line: string): void => io.stderr(`serve: ${line}\n`);
  const server = await startServe({
    database: values.db ?? defaultPaths().database,
    host: values.host,
    port,
    log,
    ...(values.model ? { modelPath: values.model } : {}),
    ...(values['models-dir'] ? { modelsDir: values['models-dir'] } : {}),
  });
  io.stdout(`${server.url}\n`);
  if (values.host !== '127.0.0.1' && values.host !== 'localhost' && values.host !== '::1') {
    log(`listening on ${values.host}: anyone with the URL above can reach the library`);
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log(`${signal} received, stopping`);
  await server.close();
  return 0;
}
