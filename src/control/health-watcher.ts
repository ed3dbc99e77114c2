/**
 * Reversible by default, without waiting to be told: every `intervalMs` the watcher asks the
 * control layer to sweep the executed actions it watches (`ControlService.watchHealth`), so an
 * action whose target alerts after it ran is marked for revert even when nobody calls
 * reportHealth. The sweep is the whole logic; this file is only its lifecycle.
 *
 * @example
 * const watcher = createHealthWatcher({ control: control.service, logger });
 * watcher.start();
 * await watcher.stop(); // waits for a sweep in progress
 */
import type { Logger } from '../logger.js';
import type { ControlService } from './control-service.js';

/** Often enough that an executor polling for revertRequired hears about a bad alert within a minute. */
export const HEALTH_WATCH_INTERVAL_MS = 15_000;

export interface HealthWatcher {
  start(): void;
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
  /** One sweep now (tests call this instead of waiting for the timer); one at a time. */
  tick(): Promise<number>;
}

export function createHealthWatcher(deps: { control: Pick<ControlService, 'watchHealth'>; logger: Logger; intervalMs?: number }): HealthWatcher {
  const log = deps.logger.child({ component: 'health-watcher' });
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  const tick = (): Promise<number> =>
    (running ??= deps.control
      .watchHealth()
      .then((marked) => {
        for (const v of marked) log.warn({ action: v.record.id, service: v.record.proposal.service, status: v.record.status, detail: v.record.healthDetail }, 'action marked by the health watcher');
        return marked.length;
      })
      .finally(() => {
        running = null;
      }));

  return {
    start() {
      if (timer) return;
      timer = setInterval(() => {
        tick().catch((e: unknown) => log.error({ err: e }, 'health sweep failed'));
      }, deps.intervalMs ?? HEALTH_WATCH_INTERVAL_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
    tick,
  };
}
