// Builds the C++ addon (native/) with node-gyp during `npm install`.
// Never fails the install: without the addon the package runs on the pure-TypeScript backend,
// and says why once at load time (see src/tensor/native/load.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const statusFile = path.join(root, 'build', 'native-status.json');
const writeStatus = (status) => {
  mkdirSync(path.dirname(statusFile), { recursive: true });
  writeFileSync(statusFile, JSON.stringify(status, null, 2) + '\n');
};

if (process.env.HAPLOOMNI_NO_NATIVE === '1') {
  writeStatus({ ok: false, reason: 'HAPLOOMNI_NO_NATIVE=1 was set at install time' });
  console.log('haploomni: skipping the native addon (HAPLOOMNI_NO_NATIVE=1)');
  process.exit(0);
}

// npm exports the path of its bundled node-gyp to install scripts; fall back to a local one.
const require = createRequire(import.meta.url);
let gyp = process.env.npm_config_node_gyp;
if (!gyp || !existsSync(gyp)) {
  try { gyp = require.resolve('node-gyp/bin/node-gyp.js'); } catch { gyp = undefined; }
}
// Run directly (not from npm): use the node-gyp bundled with the npm that sits beside this node.
if (!gyp) {
  const prefix = path.dirname(path.dirname(process.execPath));
  const bundled = path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) gyp = bundled;
}
if (!gyp) {
  writeStatus({ ok: false, reason: 'node-gyp was not found (npm normally provides it)' });
  console.warn('haploomni: node-gyp not found; the native backend is unavailable, using the js backend');
  process.exit(0);
}
rmSync(path.join(root, 'build', 'Release'), { recursive: true, force: true });
// Offline machines: build against the headers installed with this node instead of downloading them.
const args = [gyp, 'rebuild', '-j', 'max'];
const localHeaders = path.dirname(path.dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(path.join(localHeaders, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${localHeaders}`);
}
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  writeStatus({ ok: false, reason: `node-gyp rebuild failed with exit code ${r.status}; see the install log above` });
  console.warn('haploomni: the native addon did not build; the package will run on the js backend');
} else {
  writeStatus({ ok: true });
}
