/**
 * The name server against careless and hostile clients, on 127.0.0.1:
 * malformed params and wrong types (each `-32602`, the server keeps
 * serving), huge names, 10,000 registrations and 10,000 lookups from 50
 * connections with the name server's RSS bounded and every answer right,
 * and a registered server killed with SIGKILL vanishing from `ns.list`.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Daemon, startDaemon } from '../helpers/cli';
import { logSink } from '../helpers/log-sink';
import { connect, JsonRpc, nameServer, PeerError, Server, startNameServer } from '../../lib';

const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  }
});

const daemon = (args: string[], ready: RegExp): Promise<Daemon> => startDaemon(children, args, ready);

const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const errorOf = (p: Promise<unknown>): Promise<PeerError> => p.then(() => { throw new Error('expected an error'); }, (e: PeerError) => e);

describe('malformed input', () => {
  let ns: Server;
  let rpc: JsonRpc;
  beforeAll(async () => {
    ns = await startNameServer('tcp://127.0.0.1:0', { logger: logSink('warn').logger });
    rpc = await connect(ns.url, null, { protocol: 'json', timeout: 5000 });
  });
  afterAll(async () => {
    rpc.close();
    await ns.close({ timeout: 500 });
  });

  test.each([
    ['ns.register', { name: 'a' }], // url missing
    ['ns.register', { name: 'a', url: 'tcp://127.0.0.1:1', colour: 'red' }], // unknown param
    ['ns.register', ['a', 'tcp://127.0.0.1:1', {}, 1000, 'extra']], // too many
    ['ns.register', { name: ['a'], url: 'tcp://127.0.0.1:1' }],
    ['ns.register', { name: 'a', url: 'tcp://127.0.0.1:1', metadata: 'x' }],
    ['ns.register', { name: 'a', url: 'tcp://127.0.0.1:1', ttl: 1e12 }],
    ['ns.register', { name: 'a', url: 'tcp://127.0.0.1:1', ttl: 0.5 }],
    ['ns.register', { name: 'a', url: 'unix://relative/path' }],
    ['ns.register', { name: 'a', url: `tcp://127.0.0.1:1?${'x'.repeat(5000)}=1` }],
    ['ns.register', { name: 'a', url: 'tcp://127.0.0.1:1', metadata: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'])) }],
    ['ns.unregister', { name: null }],
    ['ns.unregister', { name: 'a', url: 5 }],
    ['ns.lookup', { name: 5 }],
    ['ns.lookup', {}],
    ['ns.list', { prefix: 5 }],
    ['ns.list', { metadata: { a: 1 } }],
  ] as [string, Record<string, unknown> | unknown[]][])('%s with bad params #%# is -32602', async (method, params) => {
    const err = await errorOf(rpc.sendRequest(method, params));
    expect(err.code).toBe(-32602);
    expect(await rpc.sendRequest('ns.ping')).toBe('pong');
  });

  test('a 1 MB name is refused without being stored; the table stays empty', async () => {
    const err = await errorOf(rpc.sendRequest('ns.register', { name: 'n'.repeat(1 << 20), url: 'tcp://127.0.0.1:1' }));
    expect([err.code, err.message]).toEqual([-32602, 'name is longer than 256 characters']);
    expect((await errorOf(rpc.sendRequest('ns.lookup', { name: 'n'.repeat(1 << 20) }))).code).toBe(-32602);
    expect(await rpc.sendRequest('ns.list', {})).toEqual([]);
  });

  test('unknown methods are -32601, and a notification of a wire method is dropped quietly', async () => {
    expect((await errorOf(rpc.sendRequest('ns.drop_table'))).code).toBe(-32601);
    rpc.sendNotification('ns.register', { name: 'by.note', url: 'tcp://127.0.0.1:1' });
    expect(await rpc.sendRequest('ns.lookup', { name: 'by.note' }).catch((e: PeerError) => e.code)).toBe(-32004);
  });
});

test('10,000 registrations and 10,000 lookups from 50 connections: every answer right, RSS bounded, all gone after', async () => {
  const ns = await daemon(['ns', '--listen', 'tcp://127.0.0.1:0'], /name server on (tcp:\/\/\S+)/);
  const url = ns.match[1];
  const pid = ns.child.pid!;
  const clients = await Promise.all(Array.from({ length: 50 }, () => connect(url, null, { protocol: 'json', timeout: 30_000 })));
  try {
    const before = rssOf(pid);
    await Promise.all(
      clients.map((c, i) => Promise.all(Array.from({ length: 200 }, (_, j) => c.sendRequest('ns.register', { name: `load.${i}.${j}`, url: `tcp://127.0.0.1:${1 + ((i * 200 + j) % 65000)}`, metadata: { i: String(i) } })))),
    );
    const wrong: string[] = [];
    await Promise.all(
      clients.map((c, i) =>
        Promise.all(
          Array.from({ length: 200 }, async (_, j) => {
            const k = (i + 1) % 50; // look up what another connection registered
            const got = await c.sendRequest('ns.lookup', { name: `load.${k}.${j}` });
            if (got !== `tcp://127.0.0.1:${1 + ((k * 200 + j) % 65000)}`) wrong.push(`load.${k}.${j} -> ${String(got)}`);
          }),
        ),
      ),
    );
    expect(wrong).toEqual([]);
    const after = rssOf(pid);
    expect((await clients[0].sendRequest('ns.list', { prefix: 'load.7.' })) as unknown[]).toHaveLength(200);
    expect((await clients[0].sendRequest('ns.list', { metadata: { i: '7' } })) as unknown[]).toHaveLength(200);
    process.stdout.write(`name server RSS: ${(before / 2 ** 20).toFixed(1)} MiB before, ${(after / 2 ** 20).toFixed(1)} MiB after 10,000 registrations + 10,000 lookups\n`);
    expect(after - before).toBeLessThan(96 * 2 ** 20);
  } finally {
    clients.slice(1).forEach((c) => c.close());
  }
  // Their connections closed: their entries are gone (clients[0]'s own stay until it closes).
  const watcher = nameServer(url);
  let left = -1;
  for (let i = 0; i < 200 && left !== 200; i++) {
    left = (await watcher.list({ prefix: 'load.' })).length;
    if (left !== 200) await new Promise((r) => setTimeout(r, 20));
  }
  expect(left).toBe(200);
  clients[0].close();
  await watcher.close();
}, 120_000);

test('a registered server killed with SIGKILL disappears from ns.list when its connection drops', async () => {
  const ns = await startNameServer('tcp://127.0.0.1:0');
  const client = nameServer(ns.url);
  try {
    const served = await daemon(
      ['serve', 'samples/warehouse-server.ts:Warehouse', '--listen', 'tcp://127.0.0.1:0', '--register', 'doomed', '--ns', ns.url],
      /serving Warehouse on (tcp:\/\/\S+)\n/,
    );
    expect(await client.list()).toEqual([{ name: 'doomed', url: served.match[1], metadata: {} }]);
    served.child.kill('SIGKILL');
    const t0 = Date.now();
    let entries = await client.list();
    while (entries.length && Date.now() - t0 < 5000) {
      await new Promise((r) => setTimeout(r, 20));
      entries = await client.list();
    }
    expect(entries).toEqual([]);
    await expect(client.lookup('doomed')).rejects.toMatchObject({ code: -32004 });
  } finally {
    await client.close();
    await ns.close({ timeout: 500 });
  }
}, 60_000);
