// On-demand page renders (issue 27 item 10): each runs MuPDF on a temporary copy of the PDF for up
// to 30 s, so a process runs a few at once (the rest wait their turn) and one client may hold at
// most a couple, waiting or running; past that it gets 429 with Retry-After. Sixty anonymous
// requests for unrendered pages were sixty renders at once on the web node before.
import { availableParallelism } from 'node:os';
import { AppError } from '../errors.js';

/** Renders at once per process: half the cores (rendering is CPU-bound), at least one. */
export const RENDER_SLOTS = Math.max(1, Math.floor(availableParallelism() / 2));
/** Renders one client (an account, else an IP) may have waiting or running. */
export const RENDERS_PER_CLIENT = 2;
/** What a refused client is told to wait: about one render. */
export const RENDER_RETRY_AFTER_SECONDS = 5;

export class RenderGate {
  private running = 0;
  private peak = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly byClient = new Map<string, number>();

  constructor(
    private readonly slots = RENDER_SLOTS,
    private readonly perClient = RENDERS_PER_CLIENT,
  ) {}

  /** The most renders that ran at once (for tests and the log). */
  get peakRunning(): number {
    return this.peak;
  }

  /** Runs `work` in a slot, after those waiting before it; 429 rate_limited when `client` holds perClient already. */
  async run<T>(client: string, work: () => Promise<T>): Promise<T> {
    const held = this.byClient.get(client) ?? 0;
    if (held >= this.perClient) {
      throw new AppError('rate_limited', '页面生成请求过多，请稍后再试 (too many page renders at once)', { retryAfterSeconds: RENDER_RETRY_AFTER_SECONDS });
    }
    this.byClient.set(client, held + 1);
    try {
      if (this.running >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else this.running++;
      this.peak = Math.max(this.peak, this.running);
      try {
        return await work();
      } finally {
        // The slot passes to the next in line (running stays the same), or is freed.
        const next = this.waiting.shift();
        if (next) next();
        else this.running--;
      }
    } finally {
      const left = this.byClient.get(client)! - 1;
      if (left > 0) this.byClient.set(client, left);
      else this.byClient.delete(client);
    }
  }
}
