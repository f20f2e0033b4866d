// Before `npm start`, `npm run web` and `npm run worker`: builds dist/ when it is missing or older than any
// source (src/, db/, workers/, package.json, the tsconfigs), so the compiled code is never stale, and
// `npm start` works right after `npm ci` in a fresh clone. Where there are no sources (the Docker image
// holds dist/ alone) there is nothing to check.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const sources = ['src', 'db', 'workers'].map((d) => path.join(root, d)).filter((d) => existsSync(d));

function newest() {
  let latest = 0;
  const files = ['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => path.join(root, f));
  for (const dir of sources) for (const entry of readdirSync(dir, { recursive: true })) files.push(path.join(dir, String(entry)));
  for (const file of files) {
    try {
      latest = Math.max(latest, statSync(file).mtimeMs);
    } catch {
      // A file removed meanwhile: nothing to compare.
    }
  }
  return latest;
}

if (sources.length > 0) {
  const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  if (builtAt === 0 || newest() > builtAt) {
    console.error(builtAt === 0 ? 'No build yet: building dist/ first.' : 'The sources changed since the last build: building dist/ first.');
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  }
}
