import type { RecordSetName } from '@cohort/core';
import {
  copyOrder,
  formatVerifyReport,
  verify,
  verifyExitCode,
  verifyReportJson,
  type VerifyReport,
} from '@cohort/migrate';
import { Progress } from '../progress.js';
import { checkEndpoints, connectEndpoints, type EndpointKind } from '../stores/open-endpoints.js';

export interface VerifyCommandOptions {
  readonly from: EndpointKind;
  readonly to: EndpointKind;
  /** Only these record sets; all by default. */
  readonly only?: readonly RecordSetName[];
  /** Print the report as JSON instead of text. */
  readonly json?: boolean;
  readonly write?: (text: string) => void;
  readonly progress?: Progress;
  readonly env?: NodeJS.ProcessEnv;
  readonly verbose?: boolean;
}

/**
 * `cohort verify`: compares the two stores with `verify` and prints the report on stdout (text or JSON); everything
 * else goes to stderr, so `--json` output can be piped. Returns the exit code: 0 when the stores match, 1 otherwise.
 */
export async function runVerify(options: VerifyCommandOptions): Promise<{ report: VerifyReport; exitCode: number }> {
  const write = options.write ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const progress = options.progress ?? new Progress();
  const env = options.env ?? process.env;
  checkEndpoints(options.from, options.to, env);

  const stores = await connectEndpoints(options, env, progress);
  try {
    progress.note(`from: ${stores.from.description}`);
    progress.note(`to:   ${stores.to.description}`);
    const total = options.only?.length ?? copyOrder.length;
    const sets = `${total} record set${total === 1 ? '' : 's'}`;
    let compared = 0;
    progress.start(`comparing ${sets}`);
    const report = await verify({
      source: stores.from.endpoint,
      target: stores.to.endpoint,
      ...(options.only ? { only: options.only } : {}),
      // Changes in flight are told by the stores' change feeds where they have them (else by write timestamps).
      feeds: { source: stores.from.endpoint.changeFeed, target: stores.to.endpoint.changeFeed },
      labels: { source: options.from, target: options.to },
      onProgress: ({ recordSet, step }) => {
        if (step === 'done') compared += 1;
        progress.update(`compared ${compared} of ${sets} (${recordSet}: ${step})`);
      },
    });
    progress.done(`compared ${sets}`);
    write(options.json ? verifyReportJson(report) : formatVerifyReport(report));
    await stores.close();
    return { report, exitCode: verifyExitCode(report) };
  } finally {
    await stores.close();
  }
}
