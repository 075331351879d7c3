/**
 * The progress bar of long work: on a terminal only (stderr is a TTY) and never with `--json`,
 * so pipes and logs stay clean. cli-progress draws it.
 */
import cliProgress from 'cli-progress';

/** A progress reporter; `update` may be called often, it redraws at most a few times a second. */
export interface Progress {
  update(done: number, total: number, rows: number): void;
  stop(): void;
}

const QUIET: Progress = { update() {}, stop() {} };

/** A progress bar labelled `label`, or a silent reporter when not on a terminal or `quiet`. */
export function progressBar(label: string, quiet: boolean): Progress {
  if (quiet || !process.stderr.isTTY) return QUIET;
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} |{bar}| {percentage}% | {rows} rows | {speed} rows/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let begun = false;
  return {
    update(done, total, rows) {
      const seconds = (performance.now() - started) / 1000;
      const payload = { rows: rows.toLocaleString('en-US'), speed: Math.round(rows / Math.max(seconds, 1e-3)).toLocaleString('en-US') };
      if (!begun) {
        bar.start(Math.max(total, 1), 0, payload);
        begun = true;
      }
      if (total > 0) bar.setTotal(total);
      bar.update(total > 0 ? done : 0, payload);
    },
    stop() {
      if (begun) bar.stop();
    },
  };
}
