/**
 * Time left for the scale phase, for the progress lines on stderr: every
 * step has an estimate from the plan; what is left is the estimate of the
 * steps not yet done, scaled by how the done ones compared with theirs.
 */
export class Progress {
  private planned = 0;
  private done = 0;
  private readonly t0 = performance.now();

  /** Adds `seconds` of estimated work to the plan. */
  plan(seconds: number): void {
    this.planned += seconds;
  }

  /** Marks `seconds` of the plan as done. */
  step(seconds: number): void {
    this.done += seconds;
  }

  /** E.g. "~4 min left". */
  left(): string {
    const elapsed = (performance.now() - this.t0) / 1000;
    const pace = this.done > 0 ? Math.min(4, Math.max(0.5, elapsed / this.done)) : 1;
    const s = Math.max(0, this.planned - this.done) * pace;
    return s >= 90 ? `~${Math.round(s / 60)} min left` : `~${Math.round(s)} s left`;
  }
}
