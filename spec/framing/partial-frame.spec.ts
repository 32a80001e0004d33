import { PartialFrame, wrapPayload } from '../../lib/framing/partial-frame';

/** The private piece list, to check how many views are held. */
function heldParts(frame: PartialFrame): Buffer[] {
  return (frame as unknown as { parts: Buffer[] }).parts;
}

describe('PartialFrame', () => {
  test('a frame cut by a few chunk boundaries is held as views of them', () => {
    const frame = new PartialFrame();
    const a = Buffer.from('{"a":');
    const b = Buffer.from('1');
    frame.add(a);
    frame.add(b);
    expect(heldParts(frame).map((p) => p.buffer)).toEqual([a.buffer, b.buffer]);
    expect(frame.take(Buffer.from('}')).toString()).toBe('{"a":1}');
    expect(frame.length).toBe(0);
  });

  test('a trickle of tiny pieces is gathered into few buffers, not one view per byte', () => {
    const frame = new PartialFrame();
    const text = 'x'.repeat(100_000);
    for (let i = 0; i < text.length; i++) frame.add(Buffer.from(text[i]));
    expect(heldParts(frame).length).toBeLessThan(40);
    expect(frame.length).toBe(100_000);
    expect(frame.take().toString()).toBe(text);
  });

  test('pieces keep their order when small and large ones mix', () => {
    const frame = new PartialFrame();
    const expected: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const piece = Buffer.alloc(i % 7 === 0 ? 600 : (i % 5) + 1, 65 + (i % 26));
      expected.push(piece);
      frame.add(piece);
    }
    expect(frame.take()).toEqual(Buffer.concat(expected));
  });

  test('a taken frame is never written to again', () => {
    const frame = new PartialFrame();
    for (let i = 0; i < 20; i++) frame.add(Buffer.from('a'));
    const first = frame.take();
    for (let i = 0; i < 5000; i++) frame.add(Buffer.from('b'));
    frame.take();
    expect(first.toString()).toBe('a'.repeat(20));
  });

  test('take of nothing is an empty buffer; clear drops everything', () => {
    const frame = new PartialFrame();
    expect(frame.take()).toEqual(Buffer.alloc(0));
    frame.add(Buffer.from('abc'));
    frame.clear();
    expect(frame.length).toBe(0);
    expect(frame.take(Buffer.from('z')).toString()).toBe('z');
  });
});

describe('wrapPayload', () => {
  test('header, UTF-8 payload and trailer in one buffer', () => {
    expect(wrapPayload('3:', 'é€', 0x2c)).toEqual(Buffer.from('3:é€,', 'utf8'));
    expect(wrapPayload('', Buffer.from('ab'))).toEqual(Buffer.from('ab'));
  });
});
