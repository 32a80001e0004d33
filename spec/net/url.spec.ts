/**
 * bsonrpc URLs (lib/net/url.ts): what parses, what each part becomes, and
 * that every mistake is a TypeError naming the URL and the bad part.
 */
import { formatRpcUrl, parseRpcUrl } from '../../lib';

test.each([
  ['tcp://127.0.0.1:7000', { scheme: 'tcp', host: '127.0.0.1', port: 7000, path: '', protocol: undefined, framing: undefined }],
  ['tcp://127.0.0.1:0', { scheme: 'tcp', port: 0 }],
  ['TCP://localhost:1', { scheme: 'tcp', host: 'localhost', port: 1 }],
  ['tcp://[::1]:7001?protocol=bson', { host: '::1', port: 7001, protocol: 'bson' }],
  ['tls://127.0.0.1:443', { scheme: 'tls', port: 443 }],
  ['tcp://127.0.0.1:80', { port: 80 }],
  ['tcp://h:1?framing=ndjson&protocol=json', { framing: 'ndjson', protocol: 'json' }],
  ['unix:///tmp/a%20b.sock', { scheme: 'unix', host: '', port: undefined, path: '/tmp/a b.sock' }],
  ['unix:///run/app.sock?framing=content-length', { path: '/run/app.sock', framing: 'content-length' }],
  ['ws://127.0.0.1/rpc', { scheme: 'ws', port: 80, path: '/rpc' }],
  ['wss://example.org', { scheme: 'wss', port: 443, path: '/' }],
  ['ws://127.0.0.1:8080', { port: 8080, path: '/' }],
])('%s parses', (url, expected) => {
  expect(parseRpcUrl(url)).toMatchObject(expected);
});

test.each([
  ['127.0.0.1:7000', /no scheme/],
  ['http://127.0.0.1:7000', /unknown scheme "http:"/],
  ['tcp://127.0.0.1', /no port/],
  ['tcp://127.0.0.1:70000', /not a well-formed URL|out of range/],
  ['tcp://:7000', /no host|not a well-formed/],
  ['tcp://127.0.0.1:7000/path', /takes no path/],
  ['tcp://u:p@127.0.0.1:7000', /credentials/],
  ['tcp://127.0.0.1:7000#x', /fragment/],
  ['tcp://127.0.0.1:7000?protocl=bson', /unknown query parameter "protocl"/],
  ['tcp://127.0.0.1:7000?protocol=xml', /unknown protocol "xml"/],
  ['tcp://127.0.0.1:7000?framing=lines', /unknown framing "lines"/],
  ['unix://relative/path', /no host/],
  ['unix:///', /absolute socket path/],
  ['tcp://[::1:7000', /not a well-formed URL/],
])('%s is a TypeError naming the problem', (url, why) => {
  let caught: unknown;
  try {
    parseRpcUrl(url);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(TypeError);
  expect((caught as Error).message).toContain(`"${url}"`);
  expect((caught as Error).message).toMatch(why);
});

test('a non-string is a TypeError', () => {
  expect(() => parseRpcUrl(7000 as unknown as string)).toThrow(TypeError);
});

test('a unix path with ? and # in a file name survives printing and parsing', () => {
  const u = { scheme: 'unix', host: '', port: undefined, path: '/tmp/odd?name#1.sock', protocol: undefined, framing: undefined } as const;
  const printed = formatRpcUrl(u);
  expect(printed).toBe('unix:///tmp/odd%3Fname%231.sock');
  expect(parseRpcUrl(printed)).toEqual(u);
});

test.each(['tcp://127.0.0.1:7000', 'tcp://[::1]:7001?protocol=bson', 'unix:///tmp/a%20b.sock?framing=ndjson', 'ws://h:81/rpc', 'tls://h:1'])(
  '%s prints back as itself',
  (url) => {
    expect(formatRpcUrl(parseRpcUrl(url))).toBe(url);
  },
);
