import { runCli } from './cli.js';
import { closeAllStores } from './stores/open-stores.js';

// The entry point of the `cohort` command (bin/cohort.js runs it): signals put away what was started, then exit.

let stopping = false;

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) process.exit(1); // a second Ctrl-C: stop waiting
  stopping = true;
  process.stderr.write(`\ncohort: ${signal}, stopping the stores and servers it started…\n`);
  void closeAllStores().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}

// The AWS SDK's reminder about Node 20 support is noise in a command's output.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
// `on`, not `once`: a listener must stay registered while the stores close, or tsx's own handler exits at once.
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.exitCode = await runCli(process.argv.slice(2));
