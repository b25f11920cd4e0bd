// The dashboard's static assets: its stylesheet, and the in-page proof check, bundled on first
// request with esbuild from the compiled browser entry module (verify-page.js beside this file,
// which imports only the verification library and @noble) and kept in memory. Building it here
// rather than checking a bundle in means the script is always the code the server runs, and
// `tsc` alone still builds everything else. Should esbuild be missing (an install without it),
// the pages still work and only the in-page check answers 503 not_ready.
import { fileURLToPath } from 'node:url';
import { DiptychError } from '../../log/errors.js';

async function buildVerifyScript(): Promise<string> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new DiptychError('not_ready', 'the in-page proof check needs esbuild (npm install, with the development dependencies)');
  }
  try {
    const result = await esbuild.build({
      entryPoints: [fileURLToPath(new URL('./verify-page.js', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    return result.outputFiles[0]!.text;
  } finally {
    // esbuild keeps a helper process for later builds; there will be none.
    await esbuild.stop();
  }
}

/** The bundled proof-check script, built on first use and kept; a failed build is tried again. */
export function verifyScriptCache(): () => Promise<string> {
  let bundle: Promise<string> | undefined;
  return () => {
    bundle ??= buildVerifyScript().catch((e: unknown) => {
      bundle = undefined;
      throw e;
    });
    return bundle;
  };
}
