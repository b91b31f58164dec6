#!/usr/bin/env node
// Checks that every workspace declares what its sources import: each bare import in <ws>/src/**/*.ts
// must name a package listed in that workspace's own package.json, a node: builtin, or the workspace
// itself (the root package.json's dependencies do not count: npm hoisting hides what is missing).
// Test files (*.test.ts, *.itest.ts, *.e2e.ts, testing/) may also use devDependencies.
// Prints one line per violation (file:line: what, what to do) and exits 1 when there is any.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const builtins = new Set(builtinModules);
const importRe = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function sources(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const problems = [];
for (const ws of rootPkg.workspaces) {
  const pkg = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8'));
  const deps = new Set(Object.keys(pkg.dependencies ?? {}));
  const devDeps = new Set(Object.keys(pkg.devDependencies ?? {}));
  let src;
  try {
    src = sources(join(root, ws, 'src'));
  } catch {
    continue; // no src folder
  }
  for (const file of src) {
    const text = readFileSync(file, 'utf8');
    const isTest = /\.(test|itest|e2e)\.ts$/.test(file) || /[/\\]testing[/\\]/.test(file);
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec || spec.startsWith('.') || spec.startsWith('/')) continue;
      if (spec.startsWith('node:') || builtins.has(spec)) continue;
      const name = packageName(spec);
      if (name === pkg.name || deps.has(name)) continue;
      if (isTest && devDeps.has(name)) continue;
      const line = text.slice(0, m.index).split('\n').length;
      const where = devDeps.has(name) ? 'dependencies (it is only in devDependencies)' : 'dependencies';
      problems.push(`${relative(root, file)}:${line}: imports '${spec}', not declared in ${ws}/package.json; add '${name}' to its ${where}`);
    }
  }
}

for (const p of problems) console.error(p);
if (problems.length > 0) {
  console.error(`check-imports: ${problems.length} undeclared import(s)`);
  process.exit(1);
}
console.log('check-imports: every workspace declares what it imports');
