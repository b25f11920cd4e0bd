// Runs every compiled test file with uvu (as `uvu dist/test '\.test\.js$'` does), then exits
// with uvu's code. Without the explicit exit, one leaked handle (a timer or socket some test
// left open) would keep CI waiting after the summary was printed; a leak is a bug to find, but
// it must never hang the build.
import { parse } from 'uvu/parse';
import { run } from 'uvu/run';

process.env['FORCE_COLOR'] ??= '1';
const { suites } = await parse('dist/test', /\.test\.js$/, { cwd: process.cwd() });
await run(suites, { bail: false });
// Name what is still open, so that a leak is visible and can be fixed where it starts.
const open = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap');
if (open.length > 0) process.stderr.write(`open after the tests: ${open.join(', ')}\n`);
process.exit(process.exitCode ?? 0);
