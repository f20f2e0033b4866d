import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** t("..."), t(locale, '...'), t(req.locale, "..."), N_('...'): the string literal is the key. */
const callPattern = /\b(?:t|N_)\(\s*(?:[A-Za-z_$][\w$.]*\s*,\s*)?(['"])((?:\\.|(?!\1)[^\\\n])*)\1/g;

function filesUnder(folder: string, extensions: string[]): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext)))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Every translation key written in the sources (views and code), with the files that use it. */
export function translationKeysInSources(root = 'src'): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const file of filesUnder(root, ['.ts', '.njk'])) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(callPattern)) {
      const key = match[2]!.replace(/\\(.)/g, '$1');
      keys.set(key, [...(keys.get(key) ?? []), file]);
    }
  }
  return keys;
}
