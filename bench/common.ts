// What every part of the bench shares: a row of the results table, and where the repository and serverless v3
// are (`node_modules/.bin/sls` may be osls's: both packages install that name).
import * as path from 'path';

export interface BenchRow {
  name: string;
  figure: string;
  budget: string;
  ratio?: number;
  met: boolean;
}

export const REPO = path.resolve(__dirname, '..', '..');
export const SLS = path.join(REPO, 'node_modules', 'serverless', 'bin', 'serverless.js');
