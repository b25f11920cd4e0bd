// Opens a LevelDB with a clear, typed error: the usual failure is another process holding the
// lock on the same directory, which classic-level reports only in the error's cause. Node-only.
import { Level } from 'level';
import { DiptychError } from './errors.js';

export async function openLevel<K, V>(
  directory: string,
  encodings: { keyEncoding: 'view' | 'utf8'; valueEncoding: 'view' | 'utf8' },
  what: string,
): Promise<Level<K, V>> {
  const db = new Level<K, V>(directory, encodings);
  try {
    await db.open();
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
    throw new DiptychError('not_ready', `cannot open ${what} in ${directory}: ${cause}`);
  }
  return db;
}
