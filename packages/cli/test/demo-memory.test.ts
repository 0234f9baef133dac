import { describe, expect, it } from 'vitest';
import { formatOutcome, runDemo } from '../src/index.js';
import { Progress } from '../src/progress.js';
import { expectDemoOutcome } from './expect-outcome.js';

const quiet = new Progress(process.stderr, true);

describe('cohort demo on the memory wiring', () => {
  it('runs the scripted day through the services to the expected outcome', async () => {
    const printed: string[] = [];
    const outcome = await runDemo({ wiring: 'memory', write: (text) => printed.push(text), progress: quiet, env: {} });
    expectDemoOutcome(outcome);
    const text = printed.join('\n');
    expect(text).toContain('memory (in this process) serves users, content, events, community, activity');
    expect(text).toContain('Alan Turing cancels → Donald Knuth, first on the waitlist, gets the seat');
    expect(text).toContain('Linus Torvalds tries to read the Platform Guild feed → refused: FORBIDDEN');
    expect(text).toContain(formatOutcome(outcome));
  });

  it('is deterministic: the same seed gives the same day', async () => {
    const [first, second] = [
      await runDemo({ wiring: 'memory', write: () => undefined, progress: quiet, env: {} }),
      await runDemo({ wiring: 'memory', write: () => undefined, progress: quiet, env: {} }),
    ];
    expect(second).toEqual(first);
  });
});
