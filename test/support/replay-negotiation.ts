// PEP 691 content negotiation as Warehouse does it: the best acceptable offer by q-value (ties
// go to the server's order: JSON first), and text/html when nothing is acceptable instead of 406.
export type SimpleFormat = 'json' | 'html-v1' | 'html';

const OFFERS: ReadonlyArray<{ type: string; format: SimpleFormat }> = [
  { type: 'application/vnd.pypi.simple.v1+json', format: 'json' },
  { type: 'application/vnd.pypi.simple.latest+json', format: 'json' },
  { type: 'application/vnd.pypi.simple.v1+html', format: 'html-v1' },
  { type: 'application/vnd.pypi.simple.latest+html', format: 'html-v1' },
  { type: 'text/html', format: 'html' },
];

interface Range {
  type: string;
  q: number;
}

function parseAccept(header: string): Range[] {
  const out: Range[] = [];
  for (const part of header.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (type === undefined || type === '') continue;
    let q = 1;
    for (const p of params) {
      const m = /^q=([01](?:\.\d{0,3})?)$/.exec(p);
      if (m !== null) q = Number(m[1]);
    }
    out.push({ type, q });
  }
  return out;
}

function qualityOf(ranges: readonly Range[], offer: string): number {
  const [major] = offer.split('/');
  let best: Range | undefined;
  let specificity = -1;
  for (const r of ranges) {
    const s = r.type === offer ? 2 : r.type === `${major}/*` ? 1 : r.type === '*/*' ? 0 : -1;
    if (s > specificity) {
      specificity = s;
      best = r;
    }
  }
  return best?.q ?? 0;
}

/** The simple-page format for an Accept header; `jsonAvailable` false acts as an old mirror. */
export function negotiateSimple(accept: string | undefined, jsonAvailable: boolean): SimpleFormat {
  if (accept === undefined || accept.trim() === '') return 'html';
  const ranges = parseAccept(accept);
  let chosen: SimpleFormat = 'html';
  let bestQ = 0;
  for (const offer of OFFERS) {
    if (offer.format === 'json' && !jsonAvailable) continue;
    const q = qualityOf(ranges, offer.type);
    if (q > bestQ) {
      bestQ = q;
      chosen = offer.format;
    }
  }
  return chosen;
}
