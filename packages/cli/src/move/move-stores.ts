import type { ControlRecords } from '@cohort/core';
import { DEFAULT_FLEET_KEY, fleetControl, type FleetControl, type MoveSource } from '@cohort/migrate';
import { CliError } from '../cli-error.js';
import type { Progress } from '../progress.js';
import { connectEndpoints, type EndpointKind, type OpenEndpoints } from '../stores/open-endpoints.js';
import { storeLabels } from '../stores/wirings.js';

/** The stores of an online move, opened: both with their change feeds, and the fleet's control record. */
export interface MoveStores {
  readonly endpoints: OpenEndpoints;
  /** The move's source (the store of record while the ports are `primary-only`). */
  readonly source: MoveSource;
  /** The move's target (the store of record once they are `secondary-only`). */
  readonly target: MoveSource;
  readonly control: ControlRecords;
  /** e.g. `PostgreSQL (DATABASE_URL …, schema app), key cohort/migrate/phases`. */
  readonly controlDescription: string;
  readonly fleet: FleetControl;
}

export interface MoveStoresOptions {
  readonly from: EndpointKind;
  readonly to: EndpointKind;
  /** Where the fleet's phases live (default: the `from` store). */
  readonly control?: EndpointKind | undefined;
  readonly verbose?: boolean | undefined;
}

/**
 * Opens both stores of `cohort move`; fails in one line (and closes them) when either has no change feed (the
 * replication back reads the target's) or the control store keeps no control records.
 */
export async function openMoveStores(
  options: MoveStoresOptions,
  env: NodeJS.ProcessEnv,
  progress: Progress,
): Promise<MoveStores> {
  const endpoints = await connectEndpoints(options, env, progress);
  try {
    const [source, target] = [endpoints.from, endpoints.to].map((opened): MoveSource => {
      const changeFeed = opened.endpoint.changeFeed;
      if (!changeFeed) {
        throw new CliError(
          `${storeLabels[opened.kind]} has no change feed, which an online move needs: use cohort migrate`,
        );
      }
      return { ...opened.endpoint, changeFeed };
    }) as [MoveSource, MoveSource];
    const kind = options.control ?? options.from;
    const holder = kind === endpoints.from.kind ? endpoints.from : endpoints.to;
    if (!holder.control) {
      throw new CliError(
        `${storeLabels[kind]} keeps no control records for the fleet's phases: pick another --control`,
        2,
      );
    }
    return {
      endpoints,
      source,
      target,
      control: holder.control,
      controlDescription: `${holder.description}, key ${DEFAULT_FLEET_KEY}`,
      fleet: fleetControl(holder.control),
    };
  } catch (error) {
    await endpoints.close().catch(() => undefined);
    throw error;
  }
}
