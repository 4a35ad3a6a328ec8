// Builds the optional oneDNN addon (native/dnnl -> build/Release/pare_dnnl.node) with node-gyp against
// the running Node's own headers (no download). It runs from `npm ci` (the `prepare` script) and from
// `npm run build:dnnl`. With --install-deps (what `prepare` passes) and without oneDNN's headers, it
// installs Debian's `libdnnl-dev g++ make` when it runs as root where apt-get exists; otherwise it
// prints one line saying how. It never fails unless --strict: training then uses ONNX Runtime.
// PARE_SKIP_DNNL=1 skips the whole step (for packagers who build elsewhere).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const installDeps = process.argv.includes('--install-deps');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'native', 'dnnl');
const out = join(dir, 'build', 'Release', 'pare_dnnl.node');
const packages = ['libdnnl-dev', 'g++', 'make'];
const hint = `apt-get install -y ${packages.join(' ')}, then npm run build:dnnl`;

function give(reason) {
  console.error(`build:dnnl: ${reason}; the dnnl training engine stays off (ONNX Runtime is used). ${hint}`);
  process.exit(strict ? 1 : 0);
}

if (process.env.PARE_SKIP_DNNL === '1') {
  console.error('build:dnnl: skipped (PARE_SKIP_DNNL=1)');
  process.exit(0);
}
// Not from a source checkout (pare installed as a dependency from the registry): nothing to build.
if (!existsSync(join(dir, 'binding.gyp'))) process.exit(0);

const headers = ['/usr/include/oneapi/dnnl/dnnl.hpp', '/usr/local/include/oneapi/dnnl/dnnl.hpp'];
const haveTools = () => headers.some(existsSync) && onPath('g++') && onPath('make');
if (!haveTools() && !process.env.CPLUS_INCLUDE_PATH) {
  if (installDeps && canApt()) aptInstall();
  if (!haveTools()) give('oneDNN headers or a C++ compiler not found');
}

// node-gyp: a local install, else the one bundled with npm.
const req = createRequire(import.meta.url);
const candidates = [
  () => req.resolve('node-gyp/bin/node-gyp.js'),
  () => join(dirname(process.env.npm_execpath ?? ''), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  () =>
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
];
let gyp;
for (const c of candidates) {
  try {
    const p = c();
    if (existsSync(p)) {
      gyp = p;
      break;
    }
  } catch {}
}
if (!gyp) give('node-gyp not found');

// The running Node's headers (Debian: /usr/include/node), so node-gyp does not download them.
const prefix = join(dirname(process.execPath), '..');
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
const quiet = installDeps ? ['--silent'] : [];
const r = spawnSync(process.execPath, [gyp, 'rebuild', ...nodedir, ...quiet], {
  cwd: dir,
  stdio: installDeps ? ['ignore', 'ignore', 'inherit'] : 'inherit',
});
if (r.status !== 0 || !existsSync(out)) give('the build failed (see above)');
try {
  const addon = req(out);
  console.error(`build:dnnl: built ${out} (oneDNN ${addon.version()}): training runs on oneDNN`);
} catch (e) {
  give(`the addon was built but does not load: ${String(e.message).split('\n')[0]}`);
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function canApt() {
  return process.platform === 'linux' && process.getuid?.() === 0 && onPath('apt-get');
}

function aptInstall() {
  console.error(
    `build:dnnl: installing ${packages.join(' ')} with apt-get (Debian packages) for the fast training engine`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) =>
    spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  if (!apt(['install', '-y', '-qq', ...packages])) {
    // The package lists may be missing or stale on a fresh machine.
    apt(['update', '-qq']);
    apt(['install', '-y', '-qq', ...packages]);
  }
}
