/**
 * Keeps the docs honest: every TypeScript snippet in docs/*.md (and the
 * README) is marked with the sample it comes from, and appears there
 * verbatim (whole lines, up to their common indentation), so it compiles
 * and runs as part of spec/samples. Relative links
 * between the docs, and their #anchors, must resolve.
 *
 *   <!-- snippet: samples/minimal.ts -->
 *   ```ts
 *   ...text found verbatim in samples/minimal.ts...
 *   ```
 *
 * A fence without a marker is allowed only in another language (sh, text,
 * python, json, ...). New docs are picked up automatically.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
const docsDir = path.join(root, 'docs');
const TS_LANGS = new Set(['ts', 'typescript', 'tsx', 'mts', 'cts']);
const MARKER = /^<!--\s*snippet:\s*(\S+)\s*-->$/;

/** One fenced code block of a Markdown file. */
interface Fence {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** The body, with the fence's own indentation removed. */
  body: string;
  /** The path named by a marker on the line before the fence, if any. */
  snippetOf: string | undefined;
  /** The line before the fence looks like an attempt at a marker. */
  malformedMarker: boolean;
}

/** The Markdown files checked: every docs/*.md, plus the README. */
function markdownFiles(): string[] {
  const docs = fs.existsSync(docsDir)
    ? fs.readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => path.join(docsDir, f))
    : [];
  return [...docs.sort(), path.join(root, 'README.md')].filter((f) => fs.existsSync(f));
}

/** Splits a Markdown text into its fences (CommonMark: ``` or ~~~, closed by the same or longer run). */
export function parseFences(text: string): { fences: Fence[]; prose: string } {
  const lines = text.split(/\r?\n/);
  const fences: Fence[] = [];
  const prose: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) {
      prose.push(lines[i]);
      continue;
    }
    const [, indent, run, lang] = open;
    const body: string[] = [];
    let j = i + 1;
    const close = new RegExp(`^ {0,3}${run[0] === '`' ? '`' : '~'}{${run.length},}\\s*$`);
    for (; j < lines.length && !close.test(lines[j]); j++) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    const before = i > 0 ? lines[i - 1].trim() : '';
    const marker = MARKER.exec(before);
    fences.push({
      line: i + 1,
      lang: lang.toLowerCase(),
      body: body.join('\n'),
      snippetOf: marker?.[1],
      malformedMarker: !marker && /^<!--\s*snippet/i.test(before),
    });
    prose.push('');
    i = j;
  }
  return { fences, prose: prose.join('\n') };
}

/** Strips the indentation common to the non-blank lines. */
function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => (l.trim() === '' ? '' : l.slice(cut)));
}

/**
 * True when `snippet` appears in `source` verbatim, or is a run of
 * consecutive whole lines of it, character for character except for the
 * indentation common to the run (so a snippet from inside a function reads
 * flush left in the docs).
 */
export function containsBlock(source: string, snippet: string): boolean {
  if (source.includes(snippet)) return true;
  const src = source.replace(/\r\n/g, '\n').split('\n');
  const want = dedent(snippet.replace(/\s+$/, '').split('\n')).join('\n');
  const n = want.split('\n').length;
  for (let i = 0; i + n <= src.length; i++) {
    if (dedent(src.slice(i, i + n)).join('\n') === want) return true;
  }
  return false;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  for (const line of parseFences(markdown).prose.split('\n')) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const text = h[1].replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = counts.get(slug) ?? 0;
    counts.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]);
  return anchors;
}

/** Relative link targets in the prose (inline links, images and reference definitions), code spans removed. */
export function linksOf(prose: string): string[] {
  const text = prose.replace(/`[^`\n]*`/g, '');
  const targets: string[] = [];
  for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]);
  for (const m of text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) targets.push(m[1]);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t)); // http:, https:, mailto:, ...
}

const files = markdownFiles();

test('there are docs to check', () => {
  expect(files.map((f) => path.relative(root, f))).toEqual(expect.arrayContaining(['README.md', 'docs/getting-started.md']));
});

describe.each(files.map((f) => [path.relative(root, f), f]))('%s', (_name, file) => {
  const text = fs.readFileSync(file, 'utf8');
  const { fences, prose } = parseFences(text);

  test('every TypeScript fence names the sample it comes from', () => {
    const unmarked = fences.filter((f) => TS_LANGS.has(f.lang) && f.snippetOf === undefined).map((f) => `line ${f.line}`);
    const malformed = fences.filter((f) => f.malformedMarker).map((f) => `line ${f.line - 1}`);
    expect({ unmarked, malformed }).toEqual({ unmarked: [], malformed: [] });
  });

  test('every marked snippet appears verbatim in its sample', () => {
    const problems: string[] = [];
    for (const fence of fences.filter((f) => f.snippetOf !== undefined)) {
      const where = `line ${fence.line} (${fence.snippetOf})`;
      const source = path.resolve(root, fence.snippetOf as string);
      if (!source.startsWith(path.join(root, 'samples') + path.sep)) {
        problems.push(`${where}: snippets must come from samples/`);
      } else if (!fs.existsSync(source)) {
        problems.push(`${where}: no such file`);
      } else if (fence.body.trim() === '') {
        problems.push(`${where}: empty snippet`);
      } else if (!containsBlock(fs.readFileSync(source, 'utf8'), fence.body)) {
        problems.push(`${where}: not found verbatim in the sample`);
      }
    }
    expect(problems).toEqual([]);
  });

  if (path.relative(root, file) === path.join('docs', 'getting-started.md')) {
    // Getting started promises programs that run as shown: each snippet is
    // a whole sample file, and spec/package/pack.spec.ts runs those files.
    test('every snippet is a whole file', () => {
      const partial = fences
        .filter((f) => f.snippetOf !== undefined && fs.existsSync(path.resolve(root, f.snippetOf)))
        .filter((f) => fs.readFileSync(path.resolve(root, f.snippetOf as string), 'utf8').trim() !== f.body.trim())
        .map((f) => `line ${f.line} (${f.snippetOf})`);
      expect(partial).toEqual([]);
      expect(fences.filter((f) => f.snippetOf !== undefined).length).toBeGreaterThanOrEqual(6);
    });
  }

  test('relative links resolve', () => {
    const broken: string[] = [];
    for (const target of linksOf(prose)) {
      const [rawPath, anchor] = target.split('#', 2);
      const resolved = rawPath === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(rawPath));
      if (!fs.existsSync(resolved)) {
        broken.push(`${target}: no such file`);
      } else if (anchor !== undefined && anchor !== '' && resolved.endsWith('.md')) {
        if (!anchorsOf(fs.readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${target}: no such heading`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('the checker itself', () => {
  test('finds fences, languages and markers', () => {
    const md = ['<!-- snippet: samples/x.ts -->', '```ts', 'a', '```', '', '```sh', 'npm test', '```', '<!-- snippet samples/x.ts -->', '~~~ts', 'b', '~~~'].join('\n');
    const { fences } = parseFences(md);
    expect(fences.map((f) => [f.line, f.lang, f.body, f.snippetOf, f.malformedMarker])).toEqual([
      [2, 'ts', 'a', 'samples/x.ts', false],
      [6, 'sh', 'npm test', undefined, false],
      [10, 'ts', 'b', undefined, true],
    ]);
  });

  test('computes GitHub anchors and ignores headings and links inside fences', () => {
    const md = '# Peers & proxies\n## `close()` and join\n## Errors\n## Errors\n```md\n# not a heading [x](nope.md)\n```\n';
    expect([...anchorsOf(md)]).toEqual(['peers--proxies', 'close-and-join', 'errors', 'errors-1']);
    expect(linksOf(parseFences(md).prose)).toEqual([]);
  });

  test('matches whole lines verbatim, up to common indentation', () => {
    const source = 'function f() {\n  if (x) {\n    go();\n  }\n}\n';
    expect(containsBlock(source, 'if (x) {\n  go();\n}')).toBe(true);
    expect(containsBlock(source, 'go();')).toBe(true);
    expect(containsBlock(source, 'if (x) {\ngo();\n}')).toBe(false); // inner indentation differs
    expect(containsBlock(source, 'if (x)')).toBe(true); // a verbatim substring is fine too
    expect(containsBlock(source, 'go ();')).toBe(false);
  });

  test('collects relative links only', () => {
    const prose = 'See [a](a.md), [b](./b.md#x "t"), ![img](i.png), [web](https://x.org), `[code](c.md)`\n[ref]: ../r.md';
    expect(linksOf(prose)).toEqual(['a.md', './b.md#x', 'i.png', '../r.md']);
  });
});
