/** File primitives the embedded store's log and snapshots share to make writes survive a crash. */
import { type FileHandle, open } from 'node:fs/promises';

/** Writes all of `buf` at `position`; a single write may be short, this never is. */
export async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
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
