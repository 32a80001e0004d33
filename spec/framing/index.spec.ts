import * as framingModule from '../../lib/framing';
import {
  FRAMING_NAMES,
  bsonLengthFraming,
  contentLengthFraming,
  framelessFraming,
  ndjsonFraming,
  netstringFraming,
  resolveFraming,
  rfc7464Framing,
  type FrameDecoder,
  type Framing,
} from '../../lib/framing';

describe('resolveFraming', () => {
  test.each([
    ['rfc7464', rfc7464Framing],
    ['netstring', netstringFraming],
    ['frameless', framelessFraming],
    ['ndjson', ndjsonFraming],
    ['content-length', contentLengthFraming],
    ['bson', bsonLengthFraming],
  ])('%s resolves to its shared instance', (name, framing) => {
    expect(resolveFraming(name)).toBe(framing);
    expect(resolveFraming(name)).toBe(resolveFraming(name));
    expect(framing.name).toBe(name);
    expect(Object.isFrozen(framing)).toBe(true);
  });

  test('FRAMING_NAMES are the JSON framings, each resolvable', () => {
    expect(FRAMING_NAMES).toEqual(['rfc7464', 'netstring', 'frameless', 'ndjson', 'content-length']);
    for (const name of FRAMING_NAMES) expect(resolveFraming(name).name).toBe(name);
  });

  test('JSON framings carry batches; BSON does not', () => {
    for (const name of FRAMING_NAMES) expect(resolveFraming(name).supportsBatches).toBe(true);
    expect(bsonLengthFraming.supportsBatches).toBe(false);
  });

  test('an unknown name is a TypeError listing the valid names', () => {
    expect(() => resolveFraming('RFC7464')).toThrow(TypeError);
    expect(() => resolveFraming('lsp')).toThrow(
      `unknown framing "lsp": expected one of 'rfc7464', 'netstring', 'frameless', 'ndjson', 'content-length', 'bson', or an object with createDecoder() and encode()`,
    );
  });

  test('a custom framing object is returned as it is, plain or a class instance', () => {
    const plain: Framing = {
      name: 'custom',
      createDecoder: (): FrameDecoder => ({ bufferedBytes: 0, push: () => undefined }),
      encode: (p) => Buffer.from(p),
    };
    expect(resolveFraming(plain)).toBe(plain);
    class Mine {
      readonly name = 'mine';
      createDecoder(): FrameDecoder {
        return { bufferedBytes: 0, push: () => undefined };
      }
      encode(p: string | Buffer): Buffer {
        return Buffer.from(p);
      }
    }
    const instance = new Mine();
    expect(resolveFraming(instance)).toBe(instance);
  });

  test.each([
    ['an object without methods', {}, 'invalid framing object: createDecoder() and encode() missing'],
    ['an object without encode', { createDecoder: () => null }, 'invalid framing object: encode() missing'],
    ['methods that are not functions', { createDecoder: 1, encode: 'x' }, 'createDecoder() and encode() missing'],
    ['encodeText that is not a function', { createDecoder: () => null, encode: () => Buffer.alloc(0), encodeText: 'x' } as object, 'encodeText is set but is not a function'],
    ['null', null, 'invalid framing null'],
    ['undefined', undefined, 'invalid framing undefined'],
    ['a number', 42, 'invalid framing number 42'],
  ])('%s is a TypeError', (_label, value, message) => {
    expect(() => resolveFraming(value as never)).toThrow(TypeError);
    expect(() => resolveFraming(value as never)).toThrow(message);
  });
});

describe('createDecoder', () => {
  test.each([...FRAMING_NAMES, 'bson'].map((n) => [n]))('%s validates maxMessageSize', (name) => {
    const framing = resolveFraming(name);
    for (const bad of [-1, NaN, '10', undefined]) {
      expect(() => framing.createDecoder({ maxMessageSize: bad as number })).toThrow(TypeError);
    }
    expect(() => framing.createDecoder({ maxMessageSize: Infinity })).not.toThrow();
  });

  test('each decoder is independent', () => {
    const a = rfc7464Framing.createDecoder({ maxMessageSize: 100 });
    const b = rfc7464Framing.createDecoder({ maxMessageSize: 100 });
    a.push(Buffer.from('\x1e{"a":'), () => undefined);
    expect(a.bufferedBytes).toBe(5);
    expect(b.bufferedBytes).toBe(0);
  });
});

test('the framing barrel exports exactly this list', () => {
  expect(Object.keys(framingModule).sort()).toEqual(
    [
      'BsonLengthDecoder',
      'BsonLengthFraming',
      'ContentLengthDecoder',
      'ContentLengthFraming',
      'FRAMING_NAMES',
      'FramelessDecoder',
      'FramelessFraming',
      'MAX_HEADER_BYTES',
      'NdjsonDecoder',
      'NdjsonFraming',
      'NetstringDecoder',
      'NetstringFraming',
      'Rfc7464Decoder',
      'Rfc7464Framing',
      'bsonLengthFraming',
      'contentLengthFraming',
      'framelessFraming',
      'ndjsonFraming',
      'netstringFraming',
      'resolveFraming',
      'rfc7464Framing',
    ].sort(),
  );
});
