// Reading a package index the way a witness must: the JSON API and the Simple API (PEP 691 JSON
// by content negotiation, PEP 503 HTML when that is what comes back), conditional requests, and
// every failure as a typed result. The IndexClient interface is what sweeps depend on; the
// undici implementation below is the only one that talks HTTP.
import { fromUtf8 } from '../log/bytes.js';
import { failure, type FetchFailure, type FetchResult } from './fetch-result.js';
import { HttpFetcher, headerValue, type FetcherOptions, type RawResponse } from './http-fetcher.js';
import {
  parseJsonApiProject,
  parseJsonApiRelease,
  parseProjectList,
  parseSimpleHtml,
  parseSimpleJson,
  type ParseContext,
  type ParseResult,
  type ProjectList,
} from './index-docs.js';
import type { IndexView } from './index-view.js';
import { pep503Normalize } from '../log/project-name.js';
import { trimTrailingSlashes } from '../log/trim-slashes.js';

export const PEP691_JSON = 'application/vnd.pypi.simple.v1+json';
// JSON first, HTML as a fallback (PEP 691's recommended header for clients that read both).
const SIMPLE_ACCEPT = `${PEP691_JSON}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01`;

export interface Conditional {
  /** The ETag of the last answer: a 304 then means nothing changed. */
  etag?: string | null;
}

export interface IndexClient {
  /** The index base URL, e.g. https://pypi.org */
  readonly baseUrl: string;
  /** GET /pypi/<p>/json: every release and file. */
  projectJson(project: string, options?: Conditional): Promise<FetchResult<IndexView>>;
  /** GET /pypi/<p>/<v>/json: one release. */
  releaseJson(project: string, version: string, options?: Conditional): Promise<FetchResult<IndexView>>;
  /** GET /simple/<p>/: PEP 691 JSON, or PEP 503 HTML from an index that only has that. */
  simple(project: string, options?: Conditional): Promise<FetchResult<IndexView>>;
  /** GET /simple/ as PEP 691 JSON: every project with its serial (for discovering changes). */
  projectList(options?: Conditional): Promise<FetchResult<ProjectList>>;
  close(): Promise<void>;
}

export interface IndexClientOptions extends FetcherOptions {
  baseUrl: string;
}

type Parser = (text: string, ctx: ParseContext) => ParseResult;

export class UndiciIndexClient implements IndexClient {
  readonly baseUrl: string;
  private readonly fetcher: HttpFetcher;

  constructor(options: IndexClientOptions) {
    const base = new URL(options.baseUrl);
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error(`index URLs are http(s), not ${base.protocol}`);
    this.baseUrl = trimTrailingSlashes(base.href);
    this.fetcher = new HttpFetcher(options);
  }

  close(): Promise<void> {
    return this.fetcher.close();
  }

  projectJson(project: string, options: Conditional = {}): Promise<FetchResult<IndexView>> {
    const name = pep503Normalize(project);
    return this.fetchView(`/pypi/${encodeURIComponent(name)}/json`, 'application/json', name, options, jsonApi(parseJsonApiProject));
  }

  releaseJson(project: string, version: string, options: Conditional = {}): Promise<FetchResult<IndexView>> {
    const name = pep503Normalize(project);
    const path = `/pypi/${encodeURIComponent(name)}/${encodeURIComponent(version)}/json`;
    return this.fetchView(path, 'application/json', name, options, jsonApi(parseJsonApiRelease));
  }

  simple(project: string, options: Conditional = {}): Promise<FetchResult<IndexView>> {
    const name = pep503Normalize(project);
    return this.fetchView(`/simple/${encodeURIComponent(name)}/`, SIMPLE_ACCEPT, name, options, simpleParser);
  }

  async projectList(options: Conditional = {}): Promise<FetchResult<ProjectList>> {
    const headers: Record<string, string> = { accept: PEP691_JSON };
    if (options.etag !== undefined && options.etag !== null) headers['if-none-match'] = options.etag;
    const raw = await this.fetcher.get(`${this.baseUrl}/simple/`, headers);
    if (!raw.ok) return raw;
    const etag = headerValue(raw.headers, 'etag') ?? null;
    const serial = parseSerial(headerValue(raw.headers, 'x-pypi-last-serial'));
    if (raw.status === 304) return { ok: true, notModified: true, etag: etag ?? options.etag ?? null, serial, attempts: raw.attempts };
    const contentType = (headerValue(raw.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    // The HTML list has no serials, so it cannot tell what changed.
    if (contentType !== PEP691_JSON) return failure('unsupported_content_type', `the project list came as "${contentType}"`, raw.attempts, 200);
    const result = parseProjectList(new TextDecoder().decode(raw.body), serial, etag);
    if (!result.ok) return failure(result.reason, result.message, raw.attempts, 200);
    return { ok: true, notModified: false, value: result.list, attempts: raw.attempts };
  }

  private async fetchView(
    path: string,
    accept: string,
    project: string,
    options: Conditional,
    pickParser: (contentType: string) => Parser | FetchFailure['reason'],
  ): Promise<FetchResult<IndexView>> {
    const headers: Record<string, string> = { accept };
    if (options.etag !== undefined && options.etag !== null) headers['if-none-match'] = options.etag;
    const raw = await this.fetcher.get(this.baseUrl + path, headers);
    if (!raw.ok) return raw;
    const etag = headerValue(raw.headers, 'etag') ?? null;
    const serialHeader = parseSerial(headerValue(raw.headers, 'x-pypi-last-serial'));
    if (raw.status === 304) return { ok: true, notModified: true, etag: etag ?? options.etag ?? null, serial: serialHeader, attempts: raw.attempts };
    const contentType = (headerValue(raw.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const parser = pickParser(contentType);
    if (typeof parser === 'string') return failure(parser, `unexpected content type "${contentType}"`, raw.attempts, 200);
    return parsed(raw, parser, { project, serialHeader, etag });
  }
}

function parsed(raw: RawResponse, parser: Parser, ctx: ParseContext): FetchResult<IndexView> {
  let text: string;
  try {
    text = fromUtf8(raw.body);
  } catch {
    return failure('invalid_document', 'the body is not UTF-8', raw.attempts, 200);
  }
  const result = parser(text, ctx);
  if (!result.ok) return failure(result.reason, result.message, raw.attempts, 200);
  return { ok: true, notModified: false, value: result.view, attempts: raw.attempts };
}

function jsonApi(parser: Parser): (contentType: string) => Parser | FetchFailure['reason'] {
  return (contentType) => (contentType === 'application/json' ? parser : 'unsupported_content_type');
}

function simpleParser(contentType: string): Parser | FetchFailure['reason'] {
  if (contentType === PEP691_JSON) return parseSimpleJson;
  if (contentType === 'text/html' || contentType === 'application/vnd.pypi.simple.v1+html') return parseSimpleHtml;
  return 'unsupported_content_type';
}

function parseSerial(value: string | undefined): number | null {
  if (value === undefined || !/^[0-9]{1,15}$/.test(value.trim())) return null;
  return Number(value.trim());
}
