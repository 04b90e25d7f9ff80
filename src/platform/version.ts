import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const findPackageJson = (): { version: string } => {
  for (const dir of [join(__dirname, '..', '..'), join(__dirname, '..', '..', '..')]) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      // try the next candidate (src/ under ts-jest, dist/src/ when built)
    }
  }
  return { version: '0.0.0' };
};

export const APP_VERSION: string = findPackageJson().version;
