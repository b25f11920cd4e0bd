// A real witness node for log-side tests: CheckpointWitness behind witness/app.ts on 127.0.0.1,
// its level state in a directory the caller owns, so that a stopped witness can be started again
// on the same port and state (a restart, as the log sees it).
import { cosignatureVerifierFromKey, createCosigner } from '../../log/cosignature.js';
import { noteVerifier, type NoteVerifier, type SignerKey } from '../../log/note.js';
import { listen } from '../../api/server.js';
import { witnessApp } from '../../witness/app.js';
import { CheckpointWitness } from '../../witness/cosigner.js';
import { LevelWitnessState } from '../../witness/state.js';

export interface TestWitness {
  readonly url: string;
  readonly port: number;
  /** The witness's cosignature verifier, as a client of the log would hold it. */
  readonly verifier: NoteVerifier;
  /** Stops the server and closes the state; returns the internal errors it saw. */
  stop(): Promise<unknown[]>;
}

export interface TestWitnessOptions {
  readonly key: SignerKey;
  /** The vkey of the log it witnesses. */
  readonly logVkey: string;
  readonly stateDir: string;
  /** 0 (the default) picks a free port; a restart passes the previous one. */
  readonly port?: number;
}

export async function startTestWitness(options: TestWitnessOptions): Promise<TestWitness> {
  const state = await LevelWitnessState.open(options.stateDir);
  const log = noteVerifier(options.logVkey);
  const errors: unknown[] = [];
  const witness = new CheckpointWitness({
    logs: [{ origin: log.name, verifiers: [log] }],
    cosigner: createCosigner(options.key.name, options.key.ed25519),
    state,
  });
  try {
    const server = await listen(witnessApp(witness, state, { onInternalError: (e) => errors.push(e) }), { host: '127.0.0.1', port: options.port ?? 0 });
    return {
      url: server.url,
      port: server.port,
      verifier: cosignatureVerifierFromKey(options.key.verifierKey),
      async stop() {
        await server.close();
        await state.close();
        return errors;
      },
    };
  } catch (e) {
    await state.close();
    throw e;
  }
}
