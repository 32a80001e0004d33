/**
 * The scale report of `npm run bench` as pure functions of a results
 * object: goal lines, tables, charts and histogram merging. Nothing here
 * measures or depends on timing; the numbers are made up.
 */
import { chart } from '../../bench/chart';
import { encode, mergePercentiles, newHistogram } from '../../bench/scale/hist';
import { evaluateScaleGoals, renderScaleTables } from '../../bench/scale/report';
import type { ScaleCell, ScaleResults } from '../../bench/scale/types';

const lat = (p99: number) => ({ p50: p99 / 4, p99, p999: p99 * 2, max: p99 * 3 });

function cell(workload: ScaleCell['workload'], adapter: string, conns: number, extra: Partial<ScaleCell>): ScaleCell {
  return { workload, adapter, conns, samples: [], ...extra };
}

const results: ScaleResults = {
  config: {},
  rows: [
    { name: 'bsonrpc-ndjson', note: '', kind: 'bsonrpc' },
    { name: 'birpc', note: '', kind: 'peer' },
    { name: 'json-rpc-2.0', note: '', kind: 'peer' },
    { name: 'bsonrpc-ws', note: '', kind: 'bsonrpc-ws' },
    { name: 'socket.io', note: '', kind: 'ws-peer' },
    { name: 'bsonrpc-w1', note: '', kind: 'cores' },
    { name: 'bsonrpc-w2', note: '', kind: 'cores' },
  ],
  cells: [
    cell('fanin', 'bsonrpc-ndjson', 1000, { rate: 40_000, latency: lat(20_000) }),
    cell('fanin', 'birpc', 1000, { rate: 25_000, latency: lat(30_000) }),
    cell('fanin', 'json-rpc-2.0', 1000, { rate: 20_000, latency: lat(10_000) }),
    cell('fanin', 'bsonrpc-ws', 1000, { rate: 10_000, latency: lat(50_000) }),
    cell('fanin', 'socket.io', 1000, { rate: 8_000, latency: lat(40_000) }),
    cell('fanout', 'bsonrpc-ndjson', 1000, { rate: 100_000, latency: lat(1000), last: { p50: 500, max: 900 } }),
    cell('fanout', 'birpc', 1000, { rate: 49_000, latency: lat(1000) }),
    cell('fanout', 'socket.io', 1000, { rate: 60_000, latency: lat(1000) }),
    cell('idle', 'bsonrpc-ndjson', 5000, { heapPerConn: 3000, rssPerConn: 9000 }),
    cell('idle', 'birpc', 5000, { heapPerConn: 3400, rssPerConn: 6000 }),
    cell('idle', 'json-rpc-2.0', 5000, { heapPerConn: 2900, rssPerConn: 5000 }),
    cell('cores', 'bsonrpc-w1', 1000, { rate: 10_000, latency: lat(1) }),
    cell('cores', 'bsonrpc-w2', 1000, { rate: 18_000, latency: lat(1) }),
    cell('fanout', 'bsonrpc-ws', 1000, { samples: [], note: 'failed: boom' }),
  ],
};

describe('bench scale report', () => {
  const goals = evaluateScaleGoals(results);
  const line = (prefix: string) => goals.find((g) => g.text.startsWith(prefix));

  it('judges fanin at C=1000 against the best peer of the same transport, rate and p99', () => {
    expect(line('bsonrpc-ndjson fanin C=1000 ≥ 1.5× best peer (birpc)')?.status).toBe('PASS');
    expect(line("bsonrpc-ndjson fanin C=1000 p99 ≤ best peer's (birpc)")?.status).toBe('PASS');
    expect(line('bsonrpc-ws fanin C=1000 ≥ 1.5× best peer (socket.io)')?.status).toBe('FAIL');
  });

  it('judges fanout against the best peer and socket.io; a failed row is SKIP, not PASS', () => {
    expect(line('bsonrpc-ndjson fanout C=1000 ≥ 2× best peer (birpc)')?.status).toBe('PASS');
    expect(line('bsonrpc-ndjson fanout C=1000 ≥ 2× socket.io')?.status).toBe('FAIL');
    expect(line('bsonrpc-ws fanout C=1000 ≥ 2× socket.io')?.status).toBe('SKIP');
  });

  it('judges idle heap against the leanest peer and RSS against 8 KiB, at the largest C', () => {
    expect(line('bsonrpc-ndjson idle C=5000 heap/conn ≤ leanest peer (json-rpc-2.0)')?.status).toBe('FAIL');
    expect(line('bsonrpc-ndjson idle C=5000 RSS/conn ≤ 8.0 KiB')?.status).toBe('FAIL');
  });

  it('judges cores as workers: 2 over workers: 1', () => {
    expect(line('cores C=1000 bsonrpc-w2 ≥ 1.7× bsonrpc-w1')).toEqual({ status: 'PASS', text: expect.stringContaining('1.80×') });
  });

  it('renders one table per workload and C, with ratio columns and notes', () => {
    const md = renderScaleTables(results);
    expect(md).toContain('#### fanin, C = 1,000');
    expect(md).toContain('| bsonrpc-ndjson | 40,000 | 1.60× |');
    expect(md).toContain('#### idle, C = 5,000');
    expect(md).toContain('failed: boom');
    expect(evaluateScaleGoals(undefined)).toEqual([]);
  });

  it('draws an SVG per workload that has numbers, none for one without', () => {
    const svg = chart(results, 'fanin', 'then')!;
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('bsonrpc-ndjson');
    expect(chart({ ...results, cells: [] }, 'idle', 'then')).toBeUndefined();
  });

  it('merges HDR histograms of several processes into one set of percentiles', () => {
    const a = newHistogram();
    const b = newHistogram();
    for (let i = 1; i <= 100; i++) a.recordValue(i);
    for (let i = 1; i <= 100; i++) b.recordValue(1000);
    const m = mergePercentiles([encode(a), encode(b)]);
    expect(m.count).toBe(200);
    expect(m.p50).toBeLessThanOrEqual(100);
    expect(m.max).toBeGreaterThanOrEqual(1000);
  });
});
