// Made-up projects for the replay index, for sweeps larger than the recordings (benchmarks of
// 10,000 projects, scale tests). Deterministic: the same name and shape give the same documents.
import { createHash } from 'node:crypto';
import { htmlFromSimple, simpleFromJsonApi, type JsonApiDoc, type JsonApiFile, type RecordedProject } from './pypi-fixtures.js';

export interface SyntheticShape {
  releases?: number;
  filesPerRelease?: number;
  /** The first project's serial; each project gets its own. */
  baseSerial?: number;
}

function hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function file(name: string, version: string, i: number): JsonApiFile {
  const wheel = name.replace(/-/g, '_');
  const tags = i === 1 ? 'py3-none-any' : `cp3${i}-cp3${i}-manylinux_2_17_x86_64`;
  const filename = i === 0 ? `${name}-${version}.tar.gz` : `${wheel}-${version}-${tags}.whl`;
  const sha256 = hex(`${filename}#${i}`);
  return {
    filename,
    url: `https://files.example/packages/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256.slice(4)}/${filename}`,
    size: 1000 + (parseInt(sha256.slice(0, 6), 16) % 100_000),
    digests: { sha256 },
    upload_time: '2026-01-01T00:00:00',
    upload_time_iso_8601: '2026-01-01T00:00:00.000000Z',
    requires_python: '>=3.9',
    yanked: false,
    yanked_reason: null,
    packagetype: i === 0 ? 'sdist' : 'bdist_wheel',
  };
}

/** One project `name` with `releases` releases of `filesPerRelease` files (an sdist, then wheels). */
export function syntheticProject(name: string, serial: number, shape: SyntheticShape = {}): RecordedProject {
  const releases: Record<string, JsonApiFile[]> = {};
  const count = shape.releases ?? 3;
  for (let r = 0; r < count; r++) {
    const version = `1.${r}.0`;
    releases[version] = Array.from({ length: shape.filesPerRelease ?? 2 }, (_, i) => file(name, version, i));
  }
  const latest = `1.${count - 1}.0`;
  const json: JsonApiDoc = { info: { name, version: latest }, last_serial: serial, releases, urls: releases[latest] ?? [] };
  const simpleJson = simpleFromJsonApi(name, json);
  return { name, json, simpleJson, html: htmlFromSimple(simpleJson), raw: {}, releases: new Map() };
}

/** `count` projects named `synthetic-0` … with distinct serials. */
export function syntheticProjects(count: number, shape: SyntheticShape = {}): Map<string, RecordedProject> {
  const out = new Map<string, RecordedProject>();
  const base = shape.baseSerial ?? 30_000_000;
  for (let i = 0; i < count; i++) out.set(`synthetic-${i}`, syntheticProject(`synthetic-${i}`, base + i, shape));
  return out;
}
