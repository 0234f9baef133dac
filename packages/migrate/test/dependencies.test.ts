import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const srcDir = join(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(
    /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
  )) {
    found.push((match[1] ?? match[2]) as string);
  }
  return found;
}

describe('@cohort/migrate dependencies', () => {
  it('imports only @cohort/core, Node built-ins and its own files', () => {
    const offenders = sourceFiles(srcDir).flatMap((file) =>
      specifiers(readFileSync(file, 'utf8'))
        .filter((spec) => !(spec === '@cohort/core' || spec.startsWith('node:') || spec.startsWith('.')))
        .map((spec) => `${relative(srcDir, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('sees the imports it checks', () => {
    expect(
      specifiers("import { a } from '@cohort/testkit';\nexport { b } from 'pg';\nawait import('typeorm');"),
    ).toEqual(['@cohort/testkit', 'pg', 'typeorm']);
  });
});
