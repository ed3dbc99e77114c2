/** File primitives the embedded store's log and snapshots share to make writes survive a crash. */
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Writes all of `buf` at `position`; a single write may be short, this never is. */
export async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

/** Writes `bufs` one after another from `position`, with as few system calls as the system allows. */
export async function writeAllOf(fh: FileHandle, bufs: readonly Buffer[], position: number): Promise<void> {
  if (bufs.length === 1) return writeAll(fh, bufs[0] as Buffer, position);
  const { bytesWritten } = await fh.writev(bufs as Buffer[], position);
  // A short vectored write: the rest one buffer at a time.
  let at = position;
  let skip = bytesWritten;
  for (const b of bufs) {
    const done = Math.min(skip, b.length);
    skip -= done;
    if (done < b.length) await writeAll(fh, b.subarray(done), at + done);
    at += b.length;
  }
}

/** Makes a created, renamed or removed directory entry itself durable (fsync on the directory). */
export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** `mkdir -p` whose new directory entries survive a crash, so the files made in them do too. */
export async function mkdirDurable(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true });
  if (created === undefined) return;
  const first = resolve(created);
  for (let p = resolve(dir); ; p = dirname(p)) {
    await syncDir(dirname(p));
    if (p === first || p === dirname(p)) break;
  }
}
