// What a package holds, read from the zip itself: its entry names (to check that each handler's file is in it
// before anything is sent) and a digest of its entries' names and contents. Two zips of the same files differ byte
// for byte when the tools that made them do (serverless 3 keeps file times and walk order, osls 4 sorts and fixes
// them): the content digest is the same for both, so a deploy that finds the same files deployed sends nothing.
import { createHash } from 'crypto';
import { inputError } from '../cloud/errors';

type Yauzl = typeof import('yauzl');

function openZip(file: string): Promise<import('yauzl').ZipFile> {
  const yauzl = require('yauzl') as Yauzl;
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true, decodeStrings: true, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) reject(inputError(`The package ${file} is not a zip that can be read: ${error?.message ?? 'no archive'}.`));
      else resolve(zip);
    }),
  );
}

/** Every file entry's name (directories left out), as the zip stores it. */
export async function zipEntryNames(file: string): Promise<Set<string>> {
  const zip = await openZip(file);
  const names = new Set<string>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: import('yauzl').Entry) => {
      if (!entry.fileName.endsWith('/')) names.add(entry.fileName);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  return names;
}

/**
 * SHA-256 over the package's files, by name: each file's name and the SHA-256 of its contents, sorted by name.
 * Entry order, times, compression and directory entries do not count.
 */
export async function zipContentDigest(file: string): Promise<string> {
  const zip = await openZip(file);
  const files: Array<[string, string]> = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: import('yauzl').Entry) => {
      if (entry.fileName.endsWith('/')) {
        zip.readEntry();
        return;
      }
      zip.openReadStream(entry, (error, stream) => {
        if (error || !stream) return reject(error ?? new Error('no stream'));
        const hash = createHash('sha256');
        stream.on('data', (chunk: Buffer) => hash.update(chunk));
        stream.on('error', reject);
        stream.on('end', () => {
          files.push([entry.fileName, hash.digest('hex')]);
          zip.readEntry();
        });
      });
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  const digest = createHash('sha256');
  for (const [name, sha] of files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) digest.update(`${name}\u0000${sha}\n`);
  return digest.digest('hex');
}
