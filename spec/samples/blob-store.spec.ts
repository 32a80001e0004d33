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
