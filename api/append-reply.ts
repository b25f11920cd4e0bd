// POST /api/v1/entries's answer (SPEC §5), written straight into bytes:
//   {"index":N,"leafHash":"<hex>","checkpoint":"<note text>","inclusionProof":["<base64>",…]}
// exactly as JSON.stringify writes that object. At thousands of appends a second, building the
// object (sixteen base64 strings), stringifying it and encoding the text for the socket were a
// tenth of what the server allocated per append. The answers of one batch share a checkpoint,
// whose JSON string is made once. Node-only (Buffer).
import type { AppendResult } from '../log/sequencer.js';

/** The status and body of an append's answer. */
export type AppendReply = (r: AppendResult) => { status: 200 | 201; body: Buffer<ArrayBuffer> };

const HEX = Buffer.from('0123456789abcdef', 'latin1');
const BASE64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');
const EQUALS = 0x3d;

export function appendReplies(): AppendReply {
  let shared: { checkpoint: Uint8Array; json: Buffer } | undefined;
  return (r) => {
    if (shared?.checkpoint !== r.checkpoint) {
      shared = { checkpoint: r.checkpoint, json: Buffer.from(JSON.stringify(new TextDecoder().decode(r.checkpoint)), 'utf8') };
    }
    return { status: r.created ? 201 : 200, body: encodeReply(r, shared.json) };
  };
}

function encodeReply(r: AppendResult, checkpointJson: Buffer): Buffer<ArrayBuffer> {
  const head = `{"index":${r.index},"leafHash":"`;
  let proofLength = 0;
  for (const hash of r.proof) proofLength += 3 + base64Length(hash.length); // "…",
  const size = head.length + 2 * r.leafHash.length + '","checkpoint":'.length + checkpointJson.length + ',"inclusionProof":['.length + Math.max(0, proofLength - 1) + ']}'.length;
  const out = Buffer.allocUnsafe(size);
  let at = out.write(head, 0, 'latin1');
  for (const byte of r.leafHash) {
    out[at++] = HEX[byte >> 4]!;
    out[at++] = HEX[byte & 15]!;
  }
  at += out.write('","checkpoint":', at, 'latin1');
  at += checkpointJson.copy(out, at);
  at += out.write(',"inclusionProof":[', at, 'latin1');
  r.proof.forEach((hash, i) => {
    if (i > 0) out[at++] = 0x2c; // ,
    out[at++] = 0x22; // "
    at = writeBase64(out, at, hash);
    out[at++] = 0x22;
  });
  at += out.write(']}', at, 'latin1');
  if (at !== size) throw new Error(`append reply: wrote ${at} of ${size} bytes`);
  return out;
}

function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** Standard padded base64 of `bytes` at `at`; returns the offset after it. */
function writeBase64(out: Buffer, at: number, bytes: Uint8Array): number {
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[at++] = BASE64[n >> 18]!;
    out[at++] = BASE64[(n >> 12) & 63]!;
    out[at++] = BASE64[(n >> 6) & 63]!;
    out[at++] = BASE64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out[at++] = BASE64[n >> 18]!;
    out[at++] = BASE64[(n >> 12) & 63]!;
    out[at++] = rest === 2 ? BASE64[(n >> 6) & 63]! : EQUALS;
    out[at++] = EQUALS;
  }
  return at;
}
