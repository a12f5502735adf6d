/** Loads a generator from any network file the CLI accepts (Node only). */
import fs from 'node:fs';
import type { Generator } from '../networks/generator.js';
import { loadGeneratorFromBytes } from '../sampling/generate.js';

export async function loadNetwork(file: string): Promise<Generator> {
  if (!fs.existsSync(file)) throw new Error(`Network file not found: ${file}`);
  const bytes = fs.readFileSync(file);
  if (file.endsWith('.pkl')) throw new Error(`${file}: reading official .pkl files is not available in this build`);
  return loadGeneratorFromBytes(bytes, file);
}
