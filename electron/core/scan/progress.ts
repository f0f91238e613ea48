import type { ScanProgress } from './types.js';

/** At most this many progress events a second reach the listener; phase changes always do. */
const MIN_INTERVAL_MS = 100;
/** The rate is averaged over this window, so a slow first batch does not skew it for long. */
const RATE_WINDOW_MS = 5000;

/** Turns counts into throttled progress events with a rate and the time left. */
export class ProgressMeter {
  total = 0;
  private done = 0;
  private errors = 0;
  private current: ScanProgress['phase'] = 'walking';
  private lastEmit = 0;
  private readonly samples: Array<{ at: number; done: number }> = [];

  constructor(
    private readonly listener: (progress: ScanProgress) => void,
    private readonly isPaused: () => boolean,
  ) {}

  phase(phase: ScanProgress['phase'], total: number, force = true): void {
    this.current = phase;
    this.total = total;
    this.samples.length = 0;
    this.samples.push({ at: Date.now(), done: this.done });
    this.emit(force);
  }

  advance(count: number, errors: number): void {
    this.done += count;
    this.errors = errors;
    const now = Date.now();
    this.samples.push({ at: now, done: this.done });
    while (this.samples.length > 2 && now - (this.samples[0]?.at ?? now) > RATE_WINDOW_MS) {
      this.samples.shift();
    }
    this.emit(this.done >= this.total);
  }

  private emit(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastEmit < MIN_INTERVAL_MS) return;
    this.lastEmit = now;
    const first = this.samples[0];
    const seconds = first ? (now - first.at) / 1000 : 0;
    const perSecond = first && seconds > 0 ? (this.done - first.done) / seconds : 0;
    const left = this.total - this.done;
    this.listener({
      phase: this.current,
      done: this.done,
      total: this.total,
      perSecond,
      etaSeconds: perSecond > 0 ? left / perSecond : null,
      errors: this.errors,
      paused: this.isPaused(),
    });
  }
}
