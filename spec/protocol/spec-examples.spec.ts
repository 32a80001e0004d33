/**
 * The examples of the JSON-RPC 2.0 specification (jsonrpc.org, section 7
 * "Examples"), replayed over raw bytes against a real `JsonRpc` server in
 * every JSON framing: each row is the specification's exact request text
 * and its exact response text (or none).
 *
 * How responses are compared:
 * - parsed and deep-equal; a batch answer as a multiset (the specification
 *   lets the server answer a batch's members in any order);
 * - an error object may carry a `data` member the example does not show:
 *   the specification says it "may be omitted", so it is set aside (and
 *   must be a string when present, which is what this library sends);
 * - "nothing returned" is checked by a fence request written right after:
 *   its answer must be the very next frame, and nothing may follow within
 *   a quiet period. The fence also proves the connection stayed open after
 *   every error case.
 *
 * Line-delimited framings (rfc7464, ndjson) cannot carry a raw LF inside a
 * text (this library, like Python bsonrpc, ends an rfc7464 text at its first
 * LF), so there the specification's multi-line texts are sent with their
 * line breaks turned into spaces, which JSON treats alike. Frameless gets
 * only the rows whose request is valid JSON; what it does with the two
 * invalid-JSON rows is pinned separately below.
 */
import { FramingError, JsonRpc, notification, request, serviceClass } from '../../lib';
import { logSink, LogSink } from '../helpers/log-sink';
import { expectResponse, RawEnd, rawLink } from '../helpers/raw';
import { closeAndJoin } from '../helpers/wait';

@serviceClass
class SpecServer {
  @request subtract(minuend: number, subtrahend: number) {
    return minuend - subtrahend;
  }
  @request sum(...numbers: number[]) {
    return numbers.reduce((a, b) => a + b, 0);
  }
  @request get_data() {
    return ['hello', 5];
  }
  @notification update(..._values: unknown[]) {}
  @notification notify_hello(..._values: unknown[]) {}
  @notification notify_sum(..._values: unknown[]) {}
  /** The specification's `foobar` notification must be handled silently; a request to it is still -32601. */
  @notification foobar() {}
}

interface Row {
  name: string;
  /** The request exactly as the specification prints it. */
  request: string;
  /** The expected response text, or null for "nothing is returned". */
  response: string | null;
  /** False for the rows whose request is not valid JSON (not sent frameless). */
  validJson: boolean;
}

const ERR_INVALID = '{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}';
const ERR_PARSE = '{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}';

const SPEC_ROWS: Row[] = [
  {
    name: 'rpc call with positional parameters (1)',
    request: '{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}',
    response: '{"jsonrpc": "2.0", "result": 19, "id": 1}',
    validJson: true,
  },
  {
    name: 'rpc call with positional parameters (2)',
    request: '{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}',
    response: '{"jsonrpc": "2.0", "result": -19, "id": 2}',
    validJson: true,
  },
  {
    name: 'rpc call with named parameters (1)',
    request: '{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}',
    response: '{"jsonrpc": "2.0", "result": 19, "id": 3}',
    validJson: true,
  },
  {
    name: 'rpc call with named parameters (2)',
    request: '{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}',
    response: '{"jsonrpc": "2.0", "result": 19, "id": 4}',
    validJson: true,
  },
  {
    name: 'a Notification (update)',
    request: '{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}',
    response: null,
    validJson: true,
  },
  {
    name: 'a Notification (foobar)',
    request: '{"jsonrpc": "2.0", "method": "foobar"}',
    response: null,
    validJson: true,
  },
  {
    name: 'rpc call of non-existent method',
    request: '{"jsonrpc": "2.0", "method": "foobar", "id": "1"}',
    response: '{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "1"}',
    validJson: true,
  },
  {
    name: 'rpc call with invalid JSON',
    request: '{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]',
    response: ERR_PARSE,
    validJson: false,
  },
  {
    name: 'rpc call with invalid Request object',
    request: '{"jsonrpc": "2.0", "method": 1, "params": "bar"}',
    response: ERR_INVALID,
    validJson: true,
  },
  {
    name: 'rpc call Batch, invalid JSON',
    request: ['[', '  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},', '  {"jsonrpc": "2.0", "method"', ']'].join('\n'),
    response: ERR_PARSE,
    validJson: false,
  },
  { name: 'rpc call with an empty Array', request: '[]', response: ERR_INVALID, validJson: true },
  { name: 'rpc call with an invalid Batch (but not empty)', request: '[1]', response: `[${ERR_INVALID}]`, validJson: true },
  {
    name: 'rpc call with invalid Batch',
    request: '[1,2,3]',
    response: `[${ERR_INVALID}, ${ERR_INVALID}, ${ERR_INVALID}]`,
    validJson: true,
  },
  {
    name: 'rpc call Batch',
    request: [
      '[',
      '        {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},',
      '        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},',
      '        {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},',
      '        {"foo": "boo"},',
      '        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},',
      '        {"jsonrpc": "2.0", "method": "get_data", "id": "9"} ',
      '    ]',
    ].join('\n'),
    response: [
      '[',
      '        {"jsonrpc": "2.0", "result": 7, "id": "1"},',
      '        {"jsonrpc": "2.0", "result": 19, "id": "2"},',
      '        {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},',
      '        {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "5"},',
      '        {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}',
      '    ]',
    ].join('\n'),
    validJson: true,
  },
  {
    name: 'rpc call Batch (all notifications)',
    request: [
      '[',
      '        {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},',
      '        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}',
      '    ]',
    ].join('\n'),
    response: null,
    validJson: true,
  },
];

const FRAMINGS = ['rfc7464', 'netstring', 'ndjson', 'content-length', 'frameless'] as const;
const LINE_DELIMITED = new Set<string>(['rfc7464', 'ndjson']);
const FENCE = '{"jsonrpc": "2.0", "method": "get_data", "id": "fence"}';
const FENCE_ANSWER = { jsonrpc: '2.0', result: ['hello', 5], id: 'fence' };
const QUIET_MS = 50;

/** A `SpecServer` behind a raw end in `framing`, logging into a sink. */
function specServer(framing: string): { raw: RawEnd; peer: JsonRpc; logs: LogSink } {
  const logs = logSink('debug');
  const { raw, peer } = rawLink(framing, (s) => new JsonRpc(s, new SpecServer(), { framing: framing as any, logger: logs.logger }));
  return { raw, peer, logs };
}

/** Writes the fence, expects its answer next, then silence. */
async function expectFenceThenQuiet(raw: RawEnd): Promise<void> {
  raw.send(FENCE);
  expect(await raw.nextJson()).toEqual(FENCE_ANSWER);
  expect((await raw.quiet(QUIET_MS)).map(String)).toEqual([]);
}

describe.each(FRAMINGS)('JSON-RPC 2.0 specification examples over %s', (framing) => {
  let server: ReturnType<typeof specServer> | undefined;
  afterEach(async () => {
    if (server) await closeAndJoin(server.peer);
    server = undefined;
  });

  const rows = SPEC_ROWS.filter((r) => framing !== 'frameless' || r.validJson);
  test.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    server = specServer(framing);
    const { raw, peer, logs } = server;
    raw.send(LINE_DELIMITED.has(framing) ? row.request.replace(/\n/g, ' ') : row.request);
    if (row.response !== null) {
      expectResponse(await raw.nextJson(), JSON.parse(row.response));
    } else {
      // Nothing may be written for notifications: not even a warning is due.
      expect(logs.warnings()).toEqual([]);
    }
    // The connection stays open after every case: a valid request still answers, and nothing else arrives.
    await expectFenceThenQuiet(raw);
    expect(peer.isClosed).toBe(false);
    expect(peer.stats()).toEqual({ pendingRequests: 0, runningHandlers: 0 });
  });
});

describe('specification texts the framing cannot carry as printed', () => {
  test('rfc7464: a multi-line text is cut at its first LF (as Python bsonrpc does): answered -32700, connection stays open', async () => {
    // RFC 7464 §2.2 would split at RS only; this library and Python end a text at LF.
    const { raw, peer } = specServer('rfc7464');
    const batch = SPEC_ROWS.find((r) => r.name === 'rpc call Batch')!;
    raw.write(`\x1e${batch.request}\n`); // written by hand: the framing's encode() refuses a raw LF
    expectResponse(await raw.nextJson(), JSON.parse(ERR_PARSE));
    await expectFenceThenQuiet(raw);
    await closeAndJoin(peer);
  });

  test('frameless: invalid JSON that still closes its brackets is answered -32700 and reading goes on', async () => {
    // `{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]`: the scanner's
    // string tracking ends the value at the final `]`, so the text reaches the codec.
    const { raw, peer } = specServer('frameless');
    raw.write(SPEC_ROWS.find((r) => r.name === 'rpc call with invalid JSON')!.request);
    expectResponse(await raw.nextJson(), JSON.parse(ERR_PARSE));
    await expectFenceThenQuiet(raw);
    await closeAndJoin(peer);
  });

  test('frameless: an invalid batch that never closes swallows what follows (no delimiter to resynchronise at)', async () => {
    const { raw, peer } = specServer('frameless');
    raw.write(SPEC_ROWS.find((r) => r.name === 'rpc call Batch, invalid JSON')!.request);
    raw.write(FENCE);
    // `[ {...}, {"jsonrpc": "2.0", "method" ]` leaves one `{` open: the fence becomes part of that value.
    expect((await raw.quiet(QUIET_MS)).map(String)).toEqual([]);
    await closeAndJoin(peer);
  });

  test('frameless: text that is not an object or array cannot be resynchronised after: the connection closes', async () => {
    const { raw, peer } = specServer('frameless');
    const errors: Error[] = [];
    peer.on('error', (e) => errors.push(e));
    raw.write('"subtract" ');
    expect(await raw.whenClosed(2000)).toBe(true);
    expect(peer.isClosed).toBe(true);
    expect(errors).toEqual([expect.any(FramingError)]);
    expect(raw.frames).toEqual([]);
    expect(await peer.join(2000)).toBe(true);
  });
});
