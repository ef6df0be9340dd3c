// Run after `npm install` changes package-lock.json: node scripts/fix-lock.cjs
// The registry mirror here holds only the rollup binary for this platform, so npm writes a lock without the
// others and `npm ci` then refuses it. Record the missing optional platform packages with their os/cpu/libc so
// npm ci skips them on this platform (as it would with a full registry) and stays in sync.
const fs = require('fs');
const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const pk = lock.packages;
let added = 0;
for (const [path, meta] of Object.entries(pk)) {
  for (const [dep, ver] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = 'node_modules/' + dep;
    if (pk[key] || !dep.startsWith('@rollup/rollup-')) continue;
    const parts = dep.replace('@rollup/rollup-', '').split('-');
    const os = parts[0], cpu = parts[1], abi = parts[2];
    const entry = { version: ver, cpu: [cpu === 'ia32' ? 'ia32' : cpu], dev: !!meta.dev, optional: true, os: [os] };
    if (os === 'linux') entry.libc = [abi && abi.startsWith('musl') ? 'musl' : 'glibc'];
    pk[key] = entry; added++;
  }
}
const sorted = {};
for (const k of Object.keys(pk).sort((a, b) => a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))) sorted[k] = pk[k];
lock.packages = sorted;
fs.writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log('added', added);
