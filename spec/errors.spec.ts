/**
 * Error classes recognised across two copies of the library in one process
 * (two versions in one dependency tree), where `instanceof` fails.
 */
import * as mine from '../lib/errors';

function otherCopy(): typeof mine {
  let copy: typeof mine | undefined;
  jest.isolateModules(() => {
    copy = require('../lib/errors') as typeof mine;
  });
  return copy!;
}

describe('static is()', () => {
  const theirs = otherCopy();

  test('the second copy really is another set of classes', () => {
    expect(theirs.PeerError).not.toBe(mine.PeerError);
    expect(new theirs.MethodNotFound() instanceof mine.MethodNotFound).toBe(false);
  });

  test('classifies errors made by the other copy, by class and superclass', () => {
    const e = new theirs.MethodNotFound('m');
    expect(mine.MethodNotFound.is(e)).toBe(true);
    expect(mine.PeerError.is(e)).toBe(true);
    expect(mine.RpcError.is(e)).toBe(true);
    expect(mine.InvalidParams.is(e)).toBe(false);
    expect(mine.CodecError.is(e)).toBe(false);
    const t = new theirs.ResponseTimeout('m', 5);
    expect(mine.ResponseTimeout.is(t)).toBe(true);
    expect(mine.PeerError.is(t)).toBe(false);
    expect(mine.FramingError.is(new theirs.FramingError('f'))).toBe(true);
    expect(mine.CodecError.is(new theirs.FramingError('f'))).toBe(true);
    expect(mine.ServerOverloaded.is(theirs.PeerError.fromWire({ code: -32005, message: 'x' }))).toBe(true);
  });

  test('is false for look-alikes without the brand', () => {
    class MethodNotFound extends Error {}
    expect(mine.MethodNotFound.is(new MethodNotFound())).toBe(false);
    expect(mine.RpcError.is({ code: -32601, message: 'x' })).toBe(false);
    expect(mine.RpcError.is(null)).toBe(false);
    expect(mine.RpcError.is('error')).toBe(false);
  });

  test('a user subclass is recognised by its own class and its bsonrpc ancestors', () => {
    class Unauthorised extends mine.PeerError {
      constructor() {
        super(-32001, 'unauthorised');
      }
    }
    const e = new Unauthorised();
    expect(Unauthorised.is(e)).toBe(true);
    expect(theirs.PeerError.is(e)).toBe(true);
    expect(theirs.ServerError.is(e)).toBe(false);
  });
});

test('-32005 promotes to ServerOverloaded with its standard message', () => {
  const e = mine.PeerError.fromWire({ code: -32005, message: 'Server overloaded' });
  expect(e).toBeInstanceOf(mine.ServerOverloaded);
  expect(new mine.ServerOverloaded().message).toBe('Server overloaded');
  expect(mine.ErrorCodes.ServerOverloaded).toBe(-32005);
});
