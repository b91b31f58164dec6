#!/usr/bin/env node
// Checks that every workspace declares what its sources import: each bare import in <ws>/src/**/*.ts
// must name a package listed in that workspace's own package.json, a node: builtin, or the workspace
// itself (the root package.json's dependencies do not count: npm hoisting hides what is missing).
// Test files (*.test.ts, *.itest.ts, *.e2e.ts, testing/) may also use devDependencies.
// Components never import each other: a component's production code may import only the shared
// libraries (proto, api, client) among the workspaces, and a component may list another only in
// its devDependencies. Test files may import another component, because a unit test runs against
// the real apiserver in process (@kubelab/apiserver/testing) rather than a hand-written fake of it
// that can drift from what the apiserver does; nothing of it reaches the component's build output
// that runs in production (main.ts and what it imports).
// Prints one line per violation (file:line: what, what to do) and exits 1 when there is any.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const builtins = new Set(builtinModules);
const importRe =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

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

const SHARED = new Set(['proto', 'api', 'client']);
/** Workspaces that are a program of the cluster (the tests and the CLI drive them from outside). */
const COMPONENTS = rootPkg.workspaces.filter((ws) => !SHARED.has(ws) && ws !== 'tests' && ws !== 'cli');
const componentNames = new Set(
  COMPONENTS.map((ws) => JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8')).name),
);

const problems = [];
for (const ws of rootPkg.workspaces) {
  const pkg = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8'));
  const deps = new Set(Object.keys(pkg.dependencies ?? {}));
  const devDeps = new Set(Object.keys(pkg.devDependencies ?? {}));
  const isComponent = COMPONENTS.includes(ws);
  if (isComponent) {
    for (const d of deps) {
      if (componentNames.has(d) && d !== pkg.name)
        problems.push(
          `${ws}/package.json: lists the component '${d}' in dependencies; components never import each other (move it to devDependencies if only its tests use it)`,
        );
    }
  }
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
      if (isComponent && !isTest && componentNames.has(name) && name !== pkg.name) {
        const line = text.slice(0, m.index).split('\n').length;
        problems.push(
          `${relative(root, file)}:${line}: imports '${spec}', another component; components never import each other (shared code goes in api/, client/ or proto/)`,
        );
        continue;
      }
      if (name === pkg.name || deps.has(name)) continue;
      if (isTest && devDeps.has(name)) continue;
      const line = text.slice(0, m.index).split('\n').length;
      const where = devDeps.has(name) ? 'dependencies (it is only in devDependencies)' : 'dependencies';
      problems.push(
        `${relative(root, file)}:${line}: imports '${spec}', not declared in ${ws}/package.json; add '${name}' to its ${where}`,
      );
    }
  }
}

for (const p of problems) console.error(p);
if (problems.length > 0) {
  console.error(`check-imports: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('check-imports: every workspace declares what it imports');
