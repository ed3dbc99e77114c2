/**
 * Whether testcontainers can start containers here, asked once per test process. Without a daemon
 * testcontainers fails in milliseconds, but a socket that accepts and never answers makes it hang,
 * so the probe races a 5 s timer.
 *
 * @example
 * const runtime = await containerRuntime();
 * if (!runtime.available) console.warn(`skipping the Neo4j suite: ${runtime.reason}`);
 * describe.skipIf(!runtime.available)('Neo4j store', () => { ... });
 */
import { getContainerRuntimeClient } from 'testcontainers';

export interface ContainerRuntime {
  available: boolean;
  /** Why it is unavailable, or which runtime was found. */
  reason: string;
}

const PROBE_TIMEOUT_MS = 5_000;

let probe: Promise<ContainerRuntime> | null = null;

export function containerRuntime(): Promise<ContainerRuntime> {
  probe ??= detect();
  return probe;
}

async function detect(): Promise<ContainerRuntime> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ContainerRuntime>((resolve) => {
    timer = setTimeout(
      () => resolve({ available: false, reason: `no container runtime answered within ${PROBE_TIMEOUT_MS / 1000} s (is DOCKER_HOST pointing at a dead socket?)` }),
      PROBE_TIMEOUT_MS,
    );
    // A hung probe must not keep the test process alive on its own.
    timer.unref();
  });
  const found = getContainerRuntimeClient().then(
    (client): ContainerRuntime => {
      const rt = client.info.containerRuntime;
      return { available: true, reason: `container runtime at ${rt.host} (${rt.operatingSystem}, server ${rt.serverVersion})` };
    },
    (e: unknown): ContainerRuntime => ({
      available: false,
      reason: `no container runtime: ${e instanceof Error ? e.message : String(e)} (start Docker or Podman, or set DOCKER_HOST)`,
    }),
  );
  try {
    return await Promise.race([found, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
