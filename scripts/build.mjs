// `npm run build`: compiles src/, db/ and workers/ to dist/ (tsconfig.build.json) and copies the files the
// code reads next to itself at run time (views, static files, email templates); tsc already emits the JSON
// catalogs the code imports. BUILD_OUT_DIR builds elsewhere (the build test). Plain JavaScript: it runs
// before anything is compiled.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(root, process.env.BUILD_OUT_DIR ?? 'dist');
export const assets = ['src/http/views', 'src/http/static', 'src/email/templates'];

const started = Date.now();
rmSync(outDir, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', outDir], { cwd: root, stdio: 'inherit' });
for (const folder of assets) cpSync(path.join(root, folder), path.join(outDir, folder), { recursive: true });
mkdirSync(outDir, { recursive: true });
// ensure-build.mjs compares the sources with this file's time.
writeFileSync(path.join(outDir, '.build-stamp'), `${new Date().toISOString()}\n`);
console.error(`built ${path.relative(root, outDir) || '.'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
