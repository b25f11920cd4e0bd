// The OpenAPI 3.1 description of /api/v1 (SPEC §5), served at GET /api/v1/openapi.json. Static
// data: test/openapi.test.ts keeps it true (every route the app registers is here and the other
// way round, and real answers of a real server validate against these schemas). The error codes
// come from the one table in log/errors.ts, so a new code is documented the moment it exists.
import type { Hono } from 'hono';
import { ERROR_STATUS } from '../log/errors.js';

export const OPENAPI_PATH = '/api/v1/openapi.json';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = (description?: string, extra: Schema = {}): Schema => ({ type: 'string', ...(description ? { description } : {}), ...extra });
const int = (description?: string): Schema => ({ type: 'integer', minimum: 0, ...(description ? { description } : {}) });
const arr = (items: Schema, description?: string): Schema => ({ type: 'array', items, ...(description ? { description } : {}) });
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });
function obj(properties: Record<string, Schema>, required: string[] = Object.keys(properties), description?: string): Schema {
  return { type: 'object', properties, required, ...(description ? { description } : {}) };
}

const HEX64 = '^[0-9a-f]{64}$';
const TIME = str('RFC 3339 time', { format: 'date-time' });

const SCHEMAS: Record<string, Schema> = {
  Error: obj({ error: obj({ code: str('stable snake_case code (log/errors.ts)', { enum: Object.keys(ERROR_STATUS) }), message: str('for people; may change') }) }),
  LogInfo: obj({ origin: str(), verifierKey: str('the log key as a C2SP signed-note verifier key'), size: int(), witnesses: arr(str(), 'policy witness vkeys'), cosignatureQuorum: int() }),
  Envelope: obj({ payload: str('standard base64'), payloadType: str(), signatures: arr(obj({ keyid: str(), sig: str('standard base64') })) }, ['payload', 'payloadType', 'signatures'], 'a DSSE envelope, logged as its RFC 8785 canonical JSON'),
  Receipt: obj({ index: int(), leafHash: str('hex SHA-256(0x00 ‖ entry)', { pattern: HEX64 }), checkpoint: str('the signed checkpoint note covering the entry'), inclusionProof: arr(str(), 'base64 hashes (RFC 9162)') }),
  Entry: obj({ index: int(), leafHash: str(undefined, { pattern: HEX64 }), payloadType: str(), envelope: ref('Envelope') }),
  ProofBundle: obj({ checkpoint: str('signed note, with any cosignature lines'), entries: arr(obj({ index: int(), entry: str('base64 entry bytes'), inclusionProof: arr(str()) })) }, ['checkpoint', 'entries'], 'entries proven against one checkpoint, checkable offline'),
  InclusionProof: obj({ index: int(), size: int(), proof: arr(str()) }),
  ConsistencyProof: obj({ from: int(), to: int(), proof: arr(str()) }),
  Projects: obj({ projects: arr(str()) }),
  KeyPolicy: obj({ seq: int(), threshold: int(), keys: arr(str()), revoked: arr(obj({ keyid: str(), since: TIME, index: int() })), index: int('leaf index of this key policy') }),
  SignedFile: obj({ filename: str(), sha256: str(undefined, { pattern: HEX64 }), size: int(), index: int('the first still-valid manifest listing it') }),
  Manifest: obj({ files: arr(ref('SignedFile')), entries: arr(int(), 'every manifest entry of the release') }),
  Observation: obj({
    witness: str(), indexUrl: str(), source: str(undefined, { enum: ['json', 'simple'] }), index: int(), observedAt: TIME,
    lastSerial: nullable({ type: 'integer' }), files: arr(obj({ filename: str(), sha256: str(), yanked: { type: 'boolean' } })),
  }),
  ReleaseStatus: str(undefined, { enum: ['signed', 'revoked'] }),
  Release: obj({ version: str(), manifest: ref('Manifest'), observations: arr(ref('Observation')), status: ref('ReleaseStatus') }),
  Project: obj({ project: str(), keys: ref('KeyPolicy'), releases: arr(ref('Release')) }),
  Version: obj({ project: str(), version: str(), manifest: ref('Manifest'), observations: arr(ref('Observation')), status: ref('ReleaseStatus'), alerts: arr(ref('Alert')) }),
  File: obj({
    project: str(), version: str(), filename: str(), signedSha256: str(undefined, { pattern: HEX64 }), size: int(), index: int(),
    observed: arr(obj({ witness: str(), indexUrl: str(), sha256: str(), at: TIME, index: int() })), status: ref('ReleaseStatus'),
  }),
  Escalation: obj({ index: int(), party: str('keyid'), action: str(undefined, { enum: ['suspend-project', 'suspend-index', 'lift'] }), reason: str(), at: TIME }),
  Suspension: obj({ index: int(), scope: str(undefined, { enum: ['project', 'index'] }), project: str(), escalations: arr(int()), parties: arr(str()), effectiveAt: TIME }, ['index', 'scope', 'escalations', 'parties', 'effectiveAt']),
  Alert: obj(
    {
      id: str(undefined, { pattern: HEX64 }), kind: str(), severity: str(undefined, { enum: ['suspect', 'info', 'high', 'critical'] }), project: str(), version: str(), filename: str(),
      indexUrl: str(), origin: str(), reason: str(), expected: str(), observed: str(), evidence: arr(int()), raisedAt: TIME, entries: arr(int()), raisedBy: arr(str()),
      escalations: arr(ref('Escalation')), ack: nullable(obj({ index: int(), reason: str(), at: TIME })), suspension: nullable(ref('Suspension')),
      lifted: arr(obj({ suspension: ref('Suspension'), by: arr(int()) })), status: str(undefined, { enum: ['open', 'acknowledged', 'suspended'] }),
    },
    ['id', 'kind', 'severity', 'evidence', 'raisedAt', 'entries', 'raisedBy', 'escalations', 'ack', 'suspension', 'lifted', 'status'],
  ),
  AlertBundle: obj({ checkpoint: str(), entries: arr(obj({ index: int(), entry: str(), inclusionProof: arr(str()) })), alert: ref('Alert') }, ['checkpoint', 'entries', 'alert'], 'the alert entries and their evidence proven against one checkpoint, with the alert view beside them (not signed)'),
  Status: obj({
    suspended: obj({ index: { type: 'boolean' }, projects: arr(str()) }),
    suspensions: arr({ allOf: [ref('Suspension'), obj({ alert: str(), kind: str(), severity: str() })] }),
    checkpoint: str('the checkpoint GET /checkpoint serves'),
    witnesses: arr(obj({ vkey: str(), lastCosigned: nullable({ type: 'integer', minimum: 0 }) })),
  }),
};

const STATUS_TEXT: Record<number, string> = {
  400: 'malformed request or entry', 403: 'a signature or policy check failed', 404: 'no such thing', 409: 'conflicts with what is logged',
  413: 'too large', 429: 'rate limited (Retry-After)', 500: 'internal error (never a stack trace)', 503: 'not ready or overloaded (Retry-After)',
};

function errors(...statuses: number[]): Record<string, Schema> {
  return Object.fromEntries([...statuses, 500].map((s) => [String(s), { $ref: `#/components/responses/E${s}` }]));
}

const json = (schema: Schema, description: string): Schema => ({ description, content: { 'application/json': { schema } } });
const query = (name: string, description: string, schema: Schema = str(), required = false): Schema => ({ name, in: 'query', required, description, schema });
const path = (name: string, description: string): Schema => ({ name, in: 'path', required: true, description, schema: str() });
const INDEX = { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' };
const BUNDLE = query('bundle', '1: answer with an offline proof bundle', { type: 'string', enum: ['1'] });

function get(summary: string, ok: Schema, params: Schema[] = [], errs: number[] = [404]): Schema {
  return { get: { summary, parameters: params, responses: { '200': ok, ...errors(...errs, 503) } } };
}

const PATHS: Record<string, Schema> = {
  '/api/v1/log': get('The log: origin, verifier key, size, policy witnesses', json(ref('LogInfo'), 'the log'), [], []),
  '/api/v1/status': get('Suspensions in force, the served checkpoint, what each witness cosigned', json(ref('Status'), 'status'), [], []),
  '/api/v1/entries': {
    post: {
      summary: 'Submit an entry; answered once it is durable under a signed checkpoint',
      requestBody: { required: true, description: 'the canonical (RFC 8785) JSON of a DSSE envelope, at most 65535 bytes', content: { 'application/json': { schema: ref('Envelope') } } },
      responses: { '201': json(ref('Receipt'), 'logged'), '200': json(ref('Receipt'), 'logged before, same index'), ...errors(400, 403, 404, 409, 413, 429, 503) },
    },
  },
  '/api/v1/entries/{index}': get('One entry, or with bundle=1 its offline proof bundle', json({ oneOf: [ref('Entry'), ref('ProofBundle')] }, 'the entry'), [{ ...path('index', 'leaf index'), schema: INDEX }, BUNDLE], [400, 404]),
  '/api/v1/proof/inclusion': get('RFC 9162 inclusion proof, by index or by leaf hash', json(ref('InclusionProof'), 'the proof'), [
    query('index', 'leaf index (or give hash)', INDEX), query('hash', 'hex leaf hash (or give index)', { type: 'string', pattern: HEX64 }), query('size', 'tree size (default: current)', INDEX),
  ], [400, 404]),
  '/api/v1/proof/consistency': get('RFC 9162 consistency proof', json(ref('ConsistencyProof'), 'the proof'), [query('from', 'old size', INDEX, true), query('to', 'new size (default: current)', INDEX)], [400]),
  '/api/v1/projects': get('Every project with a key policy (what witnesses watch; not in SPEC §5)', json(ref('Projects'), 'project names'), [], []),
  '/api/v1/projects/{name}': get('A project: key policy and releases, signed and observed side by side', json(ref('Project'), 'the project'), [path('name', 'PEP 503 name')], [400, 404]),
  '/api/v1/projects/{name}/{version}': get('One release with its observations and alerts', json(ref('Version'), 'the release'), [path('name', 'PEP 503 name'), path('version', 'PEP 440 version')], [400, 404]),
  '/api/v1/files/{filename}': get('A file: the signed sha256 and what each witness observed', json(ref('File'), 'the file'), [path('filename', 'sdist or wheel filename')], [400, 404]),
  '/api/v1/alerts': get('Alerts with entries, escalations, acknowledgement, suspension and status', json(arr(ref('Alert')), 'alerts, oldest first'), [
    query('project', 'PEP 503 name'), query('kind', 'discrepancy kind'), query('severity', 'suspect, info, high or critical'), query('since', 'RFC 3339 time, or a leaf index'),
  ], [400]),
  '/api/v1/alerts/{id}': get('One alert, or with bundle=1 its entries and evidence as a proof bundle', json({ oneOf: [ref('Alert'), ref('AlertBundle')] }, 'the alert'), [{ ...path('id', 'alert id'), schema: { type: 'string', pattern: HEX64 } }, BUNDLE], [400, 404]),
  '/api/v1/openapi.json': get('This document', json({ type: 'object', required: ['openapi', 'paths'] }, 'OpenAPI 3.1'), [], []),
};

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'diptych log API',
    version: '1',
    description: 'The JSON API of a diptych transparency log (SPEC §5). Every error is {"error":{"code","message"}} with the status its code maps to; x-error-codes lists the table.',
  },
  paths: PATHS,
  components: {
    schemas: SCHEMAS,
    responses: Object.fromEntries(Object.entries(STATUS_TEXT).map(([s, text]) => [`E${s}`, json(ref('Error'), text)])),
  },
  'x-error-codes': ERROR_STATUS,
} as const;

/** GET /api/v1/openapi.json (the body is made once: the document never changes). */
export function mountOpenApi(app: Hono): void {
  const body = JSON.stringify(OPENAPI_DOCUMENT);
  app.get(OPENAPI_PATH, (c) => c.body(body, 200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' }));
}
