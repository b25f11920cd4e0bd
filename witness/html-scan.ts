// A small, linear-time HTML tag scanner: enough of HTML to read PEP 503 pages (anchors, their
// attributes and text, meta tags, comments) from Warehouse, old pypi.python.org, mirrors and
// browser-saved copies. No regular expressions over the document, so no input can make it
// backtrack; unterminated constructs end the scan instead of throwing.

export interface Anchor {
  /** Lower-cased attribute names; values entity-decoded; valueless attributes are ''. */
  readonly attrs: ReadonlyMap<string, string>;
  /** The link text, entity-decoded and trimmed. */
  readonly text: string;
}

export interface ScannedPage {
  readonly anchors: Anchor[];
  /** Attributes of each <meta> tag. */
  readonly metas: Array<ReadonlyMap<string, string>>;
  /** The bodies of comments, e.g. "SERIAL 18838616". */
  readonly comments: string[];
  /** Whether an <html>, <head> or <body> tag was seen: a JSON body read as HTML has none. */
  sawDocument: boolean;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const amp = text.indexOf('&', i);
    if (amp < 0) break;
    out += text.slice(i, amp);
    const semi = text.indexOf(';', amp);
    const name = semi < 0 || semi - amp > 12 ? '' : text.slice(amp + 1, semi);
    const decoded = decodeEntity(name);
    if (decoded === undefined) {
      out += '&';
      i = amp + 1;
    } else {
      out += decoded;
      i = semi + 1;
    }
  }
  return out + text.slice(i);
}

function decodeEntity(name: string): string | undefined {
  if (name.startsWith('#x') || name.startsWith('#X')) return codePoint(parseInt(name.slice(2), 16));
  if (name.startsWith('#')) return codePoint(parseInt(name.slice(1), 10));
  return NAMED[name];
}

function codePoint(n: number): string | undefined {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : undefined;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f';
const isNameChar = (c: string | undefined): boolean => c !== undefined && !isSpace(c) && c !== '>' && c !== '/' && c !== '=' && c !== '<';

interface Tag {
  name: string;
  attrs: Map<string, string>;
  end: number;
}

// Reads a start tag beginning at `<` (at). Returns undefined when the tag is not terminated.
function readTag(html: string, at: number): Tag | undefined {
  let i = at + 1;
  while (isNameChar(html[i])) i++;
  const name = html.slice(at + 1, i).toLowerCase();
  const attrs = new Map<string, string>();
  for (;;) {
    while (isSpace(html[i]) || html[i] === '/') i++;
    if (i >= html.length) return undefined;
    if (html[i] === '>') return { name, attrs, end: i + 1 };
    const start = i;
    while (isNameChar(html[i])) i++;
    if (i === start) i++; // a stray character such as '<' or '=': skip it
    const attr = html.slice(start, i).toLowerCase();
    while (isSpace(html[i])) i++;
    let value = '';
    if (html[i] === '=') {
      i++;
      while (isSpace(html[i])) i++;
      const quote = html[i];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, i + 1);
        if (close < 0) return undefined;
        value = html.slice(i + 1, close);
        i = close + 1;
      } else {
        const vs = i;
        while (i < html.length && !isSpace(html[i]) && html[i] !== '>') i++;
        value = html.slice(vs, i);
      }
    }
    if (attr !== '' && !attrs.has(attr)) attrs.set(attr, decodeEntities(value));
  }
}

/** Scans a page for anchors, meta tags and comments. */
export function scanHtml(html: string): ScannedPage {
  const page: ScannedPage = { anchors: [], metas: [], comments: [], sawDocument: false };
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      if (close < 0) break;
      page.comments.push(html.slice(lt + 4, close).trim());
      i = close + 3;
      continue;
    }
    const c = html[lt + 1];
    if (c === undefined || !/[A-Za-z]/.test(c)) {
      i = lt + 1;
      continue;
    }
    const tag = readTag(html, lt);
    if (tag === undefined) break;
    i = tag.end;
    if (tag.name === 'meta') page.metas.push(tag.attrs);
    if (tag.name === 'html' || tag.name === 'head' || tag.name === 'body') page.sawDocument = true;
    if (tag.name !== 'a') continue;
    const close = indexOfAnchorEnd(html, i);
    const textEnd = close < 0 ? html.length : close;
    page.anchors.push({ attrs: tag.attrs, text: decodeEntities(stripTags(html.slice(i, textEnd))).trim() });
    i = textEnd;
  }
  return page;
}

// The next end tag </a or </A: walks end tags instead of searching for each spelling to the
// end of the page, which would make a page of many anchors quadratic.
function indexOfAnchorEnd(html: string, from: number): number {
  let j = html.indexOf('</', from);
  while (j >= 0 && html[j + 2] !== 'a' && html[j + 2] !== 'A') j = html.indexOf('</', j + 2);
  return j;
}

function stripTags(text: string): string {
  if (!text.includes('<')) return text;
  let out = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '<') depth = 1;
    else if (ch === '>' && depth === 1) depth = 0;
    else if (depth === 0) out += ch;
  }
  return out;
}
