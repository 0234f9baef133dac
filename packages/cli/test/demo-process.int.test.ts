// `cohort demo` as a newcomer runs it: the real command in a child process, starting its own embedded servers. The
// in-process tests of the wirings cannot see how the process ends (vitest keeps the event loop alive): here a server
// whose stop() let Node exit mid-await showed up as exit code 13 after "… stopping".
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/cohort.js', import.meta.url));

function demo(wiring: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'DYNAMODB_ENDPOINT', 'NODE_OPTIONS']) delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'demo', '--wiring', wiring], { env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('cohort demo in a process of its own', () => {
  it.each(['memory', 'postgres', 'dynamo', 'hybrid'])(
    '--wiring %s runs the day, stops what it started and exits 0',
    async (wiring) => {
      const result = await demo(wiring);
      expect(result.stderr).not.toContain('cohort:');
      expect(result.stderr).toContain('✓ closed the stores and stopped the servers the demo started');
      expect(result.stdout).toMatch(/Done in \d+\.\d s\./);
      expect(result.code).toBe(0);
    },
  );
});
