// The replay index in a process of its own, for the sweep benchmark: the witness and the index
// then each have their own event loop, as they would on the network. Prints its URL, serves
// `argv[2]` synthetic projects until SIGTERM.
import { ReplayIndex } from '../test/support/pypi-replay.js';
import { syntheticProjects } from '../test/support/synthetic-projects.js';

const index = await ReplayIndex.start({ projects: syntheticProjects(Number(process.argv[2] ?? '1000')) });
process.stdout.write(index.url + '\n');
process.once('SIGTERM', () => void index.close().then(() => process.exit(0)));
