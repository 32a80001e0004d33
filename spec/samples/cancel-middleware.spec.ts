/** The cancellation, deadlines and middleware samples, run as the tests of the others are. */
import { main as cancellation } from '../../samples/cancellation';
import { main as deadlines } from '../../samples/deadlines';
import { main as middleware } from '../../samples/middleware';

test('cancellation: a timeout and an abort signal each stop the handler on the other side', async () => {
  const lines: string[] = [];
  const stopped = await cancellation((l) => void lines.push(l));
  expect(lines.slice(0, 2)).toEqual(['client: request "crunch" timed out after 50 ms', 'client: user pressed cancel']);
  expect(stopped).toHaveLength(2);
  expect(stopped.find((l) => l.startsWith('crunch'))).toMatch(/^crunch stopped after \d+ steps: cancelled by the caller$/);
  expect(stopped.find((l) => l.startsWith('count'))).toMatch(/^count stopped at \d+$/);
});

test('deadlines: the client\'s budget travels through the gateway and stops the worker, with no cancel sent', async () => {
  const lines: string[] = [];
  const stopped = await deadlines((l) => void lines.push(l));
  expect(lines.slice(0, 2)).toEqual(['gateway: report has a deadline; passing it on', 'client: request "report" timed out after 60 ms']);
  expect(stopped).toEqual([expect.stringMatching(/^render stopped after \d+ pages: the caller's deadline passed$/)]);
});

test('middleware: a guest is refused admin methods with -32001, an admin is not, and every server call is timed and its answers counted', async () => {
  const lines: string[] = [];
  const timings = await middleware((l) => void lines.push(l));
  expect(lines.slice(0, 3)).toEqual(['guest sees stock 3', 'guest restock: error -32001: Unauthorised', 'admin restocks to 8']);
  expect(timings.map((t) => t.replace(/[\d.]+ ms/, 'N ms'))).toEqual(['stock.get N ms', 'admin.restock N ms']);
  expect(lines.at(-1)).toBe('server sent 1 result(s) and 1 error(s)');
});
