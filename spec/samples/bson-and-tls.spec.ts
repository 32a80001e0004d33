import { main } from '../../samples/blob-store';

test('the BSON blob store round-trips a 5 MB Buffer byte-identical, with Date timestamps', async () => {
  const lines: string[] = [];
  const r = await main(5 * 1024 * 1024, (l) => lines.push(l));
  expect(r.identical).toBe(true);
  expect(r.size).toBe(5 * 1024 * 1024);
  expect(r.storedAt).toBeInstanceOf(Date);
  expect(r.readBackStoredAt).toBeInstanceOf(Date);
  expect(r.readBackStoredAt?.getTime()).toBe(r.storedAt.getTime());
  expect(r.listing).toEqual([{ name: 'photo.raw', size: 5 * 1024 * 1024, storedAt: r.storedAt }]);
  expect(lines.join('\n')).toMatch(/byte-identical/);
});

import { main as tlsMain } from '../../samples/tls-server';

test('the TLS sample: a trusted client learns its own CN through clientInfo, an untrusted one is refused', async () => {
  const lines: string[] = [];
  const r = await tlsMain((l) => lines.push(l));
  expect(r.trusted).toBe('alice');
  expect(r.untrusted).toMatch(/refused|certificate|alert|ECONNRESET|closed/i);
});
