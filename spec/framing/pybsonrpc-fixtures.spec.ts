/**
 * Frames recorded from Python bsonrpc 0.2.1 (see
 * spec/fixtures/pybsonrpc/README.md): we must read what it writes, and our
 * encoder must write the very same bytes for the same payload.
 */
import { bsonLengthFraming, framelessFraming, netstringFraming, rfc7464Framing, type Framing } from '../../lib/framing';
import { ownedPieces, splitAt } from '../helpers/chunks';
import { pyFrameBytes, pyFrames } from '../helpers/py-fixtures';
import { decodeWith, expectPayloads } from './support';

const jsonWires: Array<[string, 'rfc7464' | 'netstring' | 'frameless', Framing]> = [
  ['rfc7464', 'rfc7464', rfc7464Framing],
  ['netstring', 'netstring', netstringFraming],
  ['frameless', 'frameless', framelessFraming],
];

describe.each(jsonWires)('Python bsonrpc %s frames', (_name, wire, framing) => {
  const frames = pyFrames(wire);

  test('the manifest lists frames for this wire', () => {
    expect(frames.length).toBeGreaterThan(10);
  });

  test.each(frames.map((f) => [f.file, f] as const))('%s decodes to its manifest message', (_file, frame) => {
    const bytes = pyFrameBytes(frame);
    expect(bytes.length).toBe(frame.bytes);
    const payloads = decodeWith(framing, [bytes]);
    expect(payloads).toHaveLength(1);
    expect(JSON.parse(payloads[0].toString('utf8'))).toEqual(frame.message);
    expect(decodeWith(framing, ownedPieces(bytes, 1))).toEqual(payloads);
    // What we would write for this payload is byte for byte what Python wrote.
    expect(framing.encode(payloads[0].toString('utf8'))).toEqual(bytes);
  });

  test('all frames concatenated, split at every byte boundary', () => {
    const all = frames.map(pyFrameBytes);
    const stream = Buffer.concat(all);
    const expected = decodeWith(framing, [stream]);
    expect(expected.map((p) => JSON.parse(p.toString('utf8')))).toEqual(frames.map((f) => f.message));
    for (let at = 0; at <= stream.length; at++) {
      expectPayloads(decodeWith(framing, splitAt(stream, at)), expected, { at });
    }
  });
});

describe('Python bsonrpc BSON documents', () => {
  const frames = pyFrames('bson');

  test.each(frames.map((f) => [f.file, f] as const))('%s is one frame, the whole file', (_file, frame) => {
    const bytes = pyFrameBytes(frame);
    expect(decodeWith(bsonLengthFraming, [bytes])).toEqual([bytes]);
    expect(bsonLengthFraming.encode(bytes)).toEqual(bytes);
  });

  test('all documents concatenated split back into the same documents at every byte boundary', () => {
    const docs = frames.map(pyFrameBytes);
    const stream = Buffer.concat(docs);
    expect(decodeWith(bsonLengthFraming, [stream])).toEqual(docs);
    expect(decodeWith(bsonLengthFraming, ownedPieces(stream, 1))).toEqual(docs);
    for (let at = 0; at <= stream.length; at++) {
      expectPayloads(decodeWith(bsonLengthFraming, splitAt(stream, at)), docs, { at });
    }
  });
});
