// `npm run build`: builds every workspace package that has a build script, each after the @cohort packages it
// depends on (dependencies and peers; devDependencies may form cycles and are not needed to build).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

const root = join(import.meta.dirname, '..');
const packages = new Map();
for (const folder of ['packages', 'examples']) {
  for (const name of readdirSync(join(root, folder))) {
    const manifestPath = join(root, folder, name, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (!manifest.scripts?.build) continue;
    const needs = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).filter((dep) =>
      dep.startsWith('@cohort/'),
    );
    packages.set(manifest.name, { dir: join(folder, name), needs });
  }
}

const order = [];
const visiting = new Set();
function visit(name, path) {
  if (order.includes(name) || !packages.has(name)) return;
  if (visiting.has(name)) throw new Error(`dependency cycle: ${[...path, name].join(' -> ')}`);
  visiting.add(name);
  for (const dep of packages.get(name).needs) visit(dep, [...path, name]);
  visiting.delete(name);
  order.push(name);
}
for (const name of [...packages.keys()].sort()) visit(name, []);

for (const name of order) {
  const started = Date.now();
  execFileSync('npm', ['run', '--silent', 'build', '--workspace', name], { cwd: root, stdio: 'inherit' });
  process.stdout.write(
    `built ${name} (${packages.get(name).dir}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
