#!/usr/bin/env node
// The `diptych` command: dispatches to one module per subcommand; each parses its own flags.
import { EXIT_OK, EXIT_USAGE, reportFailure } from './args.js';
import { serveCommand } from './serve.js';
import { keygenCommand } from './keygen.js';
import { keysCommand } from './keys.js';
import { manifestCommand } from './manifest.js';
import { signCommand } from './sign.js';
import { submitCommand } from './submit.js';
import { verifyCommand } from './verify.js';
import { verifyLockCommand } from './verify-lock.js';
import { auditCommand } from './audit.js';
import { ackCommand, escalateCommand } from './escalate.js';
import { demoCommand } from './demo.js';
import { witnessCommand } from '../witness/cli.js';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  serve: serveCommand,
  keygen: keygenCommand,
  keys: keysCommand,
  manifest: manifestCommand,
  sign: signCommand,
  submit: submitCommand,
  verify: verifyCommand,
  'verify-lock': verifyLockCommand,
  audit: auditCommand,
  escalate: escalateCommand,
  ack: ackCommand,
  demo: demoCommand,
  witness: (argv) => witnessCommand(argv),
};

const HELP = `Usage: diptych <command> [options]

A transparency log and discrepancy monitor for the Python Package Index.

Commands:
  serve     run the log server
  keygen    create a signing key
  keys      write a project key policy entry (init, add, remove, revoke, rotate)
  manifest  write a release manifest (create, from-index)
  sign      add a signature to an envelope or payload
  submit    submit an envelope to the log; saves the receipt
  verify    check downloaded files against signed manifests in the log
  verify-lock  check every hash a requirements.txt or pylock.toml pins
  audit     check that the log only grows; --full re-hashes the whole log
  escalate  a trusted party asks to suspend (or lift) over an alert
  ack       maintainers acknowledge an alert about their project
  demo      the whole story on this machine: sign, tamper, alert, escalate, suspend
  witness   observe a package index and cosign the log (serve | once)

Run 'diptych <command> --help' for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`diptych: unknown command '${command}'\n${HELP}`);
    return EXIT_USAGE;
  }
  try {
    return await run(rest);
  } catch (e) {
    return reportFailure(e, command);
  }
}

process.exitCode = await main(process.argv.slice(2));
