/**
 * HDR histograms (hdr-histogram-js) of latencies in µs: each client child
 * records into its own and sends it encoded; the parent decodes and adds
 * them, so percentiles are over every call of every process.
 */
import * as hdr from 'hdr-histogram-js';
import type { Percentiles } from './types';

/** 1 µs to 10 min, 3 significant digits. */
export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

/** For sending over IPC. */
export function encode(h: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decodes and adds every encoded histogram; returns the merged percentiles. */
export function mergePercentiles(encoded: string[]): Percentiles & { count: number } {
  const sum = newHistogram();
  for (const e of encoded) sum.add(hdr.decodeFromCompressedBase64(e));
  const p = (q: number) => sum.getValueAtPercentile(q);
  const out = { p50: p(50), p99: p(99), p999: p(99.9), max: sum.maxValue, count: sum.totalCount };
  sum.destroy();
  return out;
}
