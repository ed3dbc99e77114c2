/**
 * Giving byte arrays back early. V8 counts every ArrayBuffer an isolate holds as external memory
 * and starts a full collection each time that count grows by 64 MiB; a buffer it no longer needs
 * leaves the count only when a collection finds it dead. The store's thread takes over hundreds of
 * MiB of log records and snapshot frames in a bulk ingest, so it detaches each as soon as it is
 * written: detaching takes it off the count at once.
 */

/**
 * Detaches the memory under `bytes` where `bytes` covers its whole ArrayBuffer (never a slice of
 * Node's shared pool); `bytes` then reads as empty. Call only once nothing will read it again.
 */
export function letGo(bytes: Uint8Array): void {
  const { buffer } = bytes;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength && bytes.byteLength > 0) {
    // The clone takes the memory over and is dropped at once: its young object dies at the next scavenge.
    structuredClone(buffer, { transfer: [buffer] });
  }
}
