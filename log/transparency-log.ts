// A running log: its key, its sequencer and its entry checks, opened from a data directory.
// What the HTTP layer and the CLI talk to. Node-only.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createNodeCrypto } from './node-crypto.js';
import { DiptychError } from './errors.js';
import { merkleHasher, type MerkleHasher } from './tree.js';
import { LevelStorage } from './level-storage.js';
import { Sequencer, type AdmissionPolicy, type AppendResult } from './sequencer.js';
import { checkpointSigner, loadLogKey } from './log-key.js';
import { EntryValidator, chainKeys, selfNamedKeys, staticKeys, type KeyDirectory, type ValidatedEntry } from './entry-validator.js';
import { inlineVerifier, workerVerifier, type SignatureVerifier } from './verify-pool.js';
import { noteVerifier, type SignerKey } from './note.js';
import { WitnessClient, type WitnessStatus } from './witness-client.js';
import { witnessEntryRule } from './witness-entries.js';
import { EMPTY_POLICY, type LogPolicy } from './policy.js';
import type { ProjectState } from './project-state.js';
import { projectKeyDirectory, type AdmissionOptions } from './project-admission.js';
import { keyHandle } from './note.js';
import { LogState, LogAdmission, ackKeyDirectory, replayLogState } from '../monitor/log-state.js';
import { SuspensionPublisher } from '../monitor/suspension-publisher.js';
import { loadState, saveState } from '../monitor/state-store.js';

/** A start-up that replays this many entries saves a snapshot straight away. */
const SNAPSHOT_EVERY = 10_000;

export interface LogOptions {
  /** Directory of the level database and, by default, the log key. */
  dataDir: string;
  /** Signer key file; default `<dataDir>/log.key`, created on first start. */
  keyFile?: string;
  /** The log's origin (its key name); required to match an existing key. */
  origin?: string;
  cadenceMs?: number;
  maxPending?: number;
  /** Signature verification threads; 0 verifies on the main thread. Default: one per core. */
  verifyThreads?: number;
  /** Replaces the default directory of the projects' current keys. */
  keys?: KeyDirectory;
  /** Replaces the default project key-policy and release rules. */
  admission?: AdmissionPolicy<ValidatedEntry>;
  /** Clock and freshness window of the default project rules. */
  projectRules?: AdmissionOptions;
  /** The --policy file; none means no witnesses and no trusted parties. */
  policy?: LogPolicy;
  /** Timeout of each add-checkpoint request to a witness. */
  witnessTimeoutMs?: number;
  /** First delay before asking a failed witness again (default 5 s, doubling to 60 s). */
  witnessRetryMs?: number;
  /** Told of each failed cosigning request; cosigning failures never fail the log. */
  onWitnessError?: (vkey: string, error: unknown) => void;
  /** Ignore the stored derived-state snapshot and rebuild the state from every entry. */
  reindex?: boolean;
  /** Told why a stored snapshot was dropped (the state is then replayed from entry 0). */
  onSnapshotDropped?: (reason: string) => void;
  /** Told when a suspension the escalations call for could not be published (it is retried). */
  onPublishError?: (error: unknown) => void;
  /** Told of each new durable checkpoint (for logs); must not throw or block, appends wait for it. */
  onCheckpoint?: (size: number) => void;
  /** Told of each verified cosignature by a policy witness (for logs); must not throw. */
  onCosigned?: (vkey: string, size: number) => void;
}

export interface LogInfo {
  origin: string;
  verifierKey: string;
  size: number;
  witnesses: string[];
  cosignatureQuorum: number;
}

export class TransparencyLog {
  private constructor(
    readonly key: SignerKey,
    readonly hasher: MerkleHasher,
    readonly sequencer: Sequencer<ValidatedEntry>,
    private readonly validator: EntryValidator,
    private readonly verifier: SignatureVerifier,
    private readonly storage: LevelStorage,
    readonly policy: LogPolicy,
    /** Key policies, releases, observations, alerts and suspensions, rebuilt from the log at start. */
    readonly state: LogState,
    private readonly witnesses: WitnessClient,
    private readonly witnessRule: (entry: ValidatedEntry) => void,
    private readonly publisher: SuspensionPublisher,
    /** Whether the state is the default rules' own, worth a snapshot at close. */
    private readonly savesSnapshots: boolean,
    /** Entries whose state came from the stored snapshot at start (the rest were replayed). */
    readonly restoredEntries: number,
  ) {}

  /** Set by drain(): new submissions are refused, those being validated still get logged. */
  private closing = false;
  /** Submissions between arrival and the sequencer (their signatures being verified). */
  private validating = 0;
  private validatedAll: (() => void) | undefined;
  private drained: Promise<void> | undefined;

  /** Key policies and releases. */
  get projects(): ProjectState {
    return this.state.projects;
  }

  static async open(options: LogOptions): Promise<TransparencyLog> {
    const crypto = createNodeCrypto();
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    const key = await loadLogKey(options.dataDir, { keyFile: options.keyFile, origin: options.origin, crypto });
    const policy = options.policy ?? EMPTY_POLICY;
    // Built before storage is opened: a bad witness key then fails with nothing to close.
    const witnessRule = witnessEntryRule(policy);
    const witnesses = new WitnessClient({
      witnesses: policy.witnesses,
      logVerifier: noteVerifier(key.verifierKey, crypto),
      quorum: policy.cosignatureQuorum,
      // Only called for checkpoints the sequencer has published, so `sequencer` is set by then.
      consistencyProof: (from, to) => sequencer.consistencyProof(from, to),
      timeoutMs: options.witnessTimeoutMs,
      retryMs: options.witnessRetryMs,
      onError: options.onWitnessError,
      onCosigned: options.onCosigned,
    });
    const storage = await LevelStorage.open(join(options.dataDir, 'db'));
    const hasher = merkleHasher(crypto);
    const logKeyid = keyHandle(key.name, key.keyId);
    // Suspensions are published through submit(), which needs the finished log: bound below.
    let publisher: SuspensionPublisher | undefined;
    let sequencer: Sequencer<ValidatedEntry>;
    let state: LogState;
    let restoredEntries: number;
    try {
      // The derived state of the entries a snapshot covers, if a valid one is stored.
      const loaded = await loadState(storage, hasher, (await storage.head())?.size ?? 0, options.reindex === true);
      if (loaded.dropped !== undefined) options.onSnapshotDropped?.(loaded.dropped);
      state = loaded.state;
      restoredEntries = loaded.from;
      sequencer = await Sequencer.open<ValidatedEntry>({
        storage,
        hasher,
        checkpoints: checkpointSigner(key, crypto),
        cadenceMs: options.cadenceMs,
        maxPending: options.maxPending,
        admission: options.admission ?? new LogAdmission(state, logKeyid, { crypto, ...options.projectRules }, () => publisher?.wake()),
        onCheckpoint: (checkpoint, size) => {
          witnesses.checkpoint(checkpoint);
          options.onCheckpoint?.(size);
        },
      });
      // The log is the source of truth: the entries the snapshot lacks are replayed before
      // anything new is admitted, and a long replay is saved at once.
      // Entries the snapshot covers are still read once and tied to the tree (sequencer.entries
      // checks each against its leaf hash): a corrupted old record refuses the start either way.
      for (let start = 0; start < loaded.from; start += 4096) await sequencer.entries(start, Math.min(loaded.from, start + 4096));
      await replayLogState(state, (s, e) => sequencer.entries(s, e), sequencer.size, logKeyid, options.projectRules?.foreignTypes, 1024, loaded.from);
      if (options.admission === undefined && sequencer.size - loaded.from >= SNAPSHOT_EVERY) await saveState(storage, hasher, state, sequencer.size);
    } catch (e) {
      await witnesses.close();
      await storage.close();
      throw e;
    }
    const threads = options.verifyThreads;
    const verifier = threads === 0 ? inlineVerifier(crypto) : workerVerifier(threads);
    const configured = [key.verifierKey, ...policy.witnesses.map((w) => w.vkey), ...policy.trustedParties];
    // Project keys answer first, so a signature counted for a project was verified with the
    // project's own key material, never with a configured key that happens to share its keyid.
    const projectKeys = options.keys ?? chainKeys(projectKeyDirectory(state.projects), ackKeyDirectory(state));
    const keys = chainKeys(projectKeys, staticKeys(configured, crypto), selfNamedKeys(crypto));
    const validator = new EntryValidator(keys, verifier, crypto);
    // Witnesses cosign the current checkpoint at start too: after a restart, nothing served is
    // witnessed until they have been asked again (the witnessed note is kept in memory only).
    witnesses.checkpoint(sequencer.checkpoint);
    const submit = async (entry: Uint8Array) => sequencer.add(entry, await validator.validate(entry));
    publisher = new SuspensionPublisher(state.governance, key.signer, submit, options.onPublishError);
    const log = new TransparencyLog(key, hasher, sequencer, validator, verifier, storage, policy, state, witnesses, witnessRule, publisher, options.admission === undefined, restoredEntries);
    try {
      await publisher.recordPolicy(policy);
    } catch (e) {
      await log.close();
      throw e;
    }
    publisher.wake();
    return log;
  }

  get origin(): string {
    return this.key.name;
  }

  info(): LogInfo {
    return {
      origin: this.origin,
      verifierKey: this.key.verifierKey,
      size: this.sequencer.size,
      witnesses: this.policy.witnesses.map((w) => w.vkey),
      cosignatureQuorum: this.policy.cosignatureQuorum,
    };
  }

  /**
   * The checkpoint GET /checkpoint serves. With a cosignature quorum of 0 it is the newest
   * log-signed one. Otherwise it is the newest that gathered the quorum of verified
   * cosignatures (possibly older than the tree: tiles of older sizes are prefixes), and, until
   * one has since this process started, the log-signed one, so that a log whose witnesses are
   * not yet reachable still serves a verifiable head; clients that require witnessing reject it.
   */
  servedCheckpoint(): Uint8Array {
    if (this.policy.cosignatureQuorum === 0) return this.sequencer.checkpoint;
    return this.witnesses.latestWitnessed ?? this.sequencer.checkpoint;
  }

  /** Per policy witness, the size it last cosigned (null for witnesses without a URL). */
  witnessStatus(): WitnessStatus[] {
    return this.witnesses.status();
  }

  /** Per policy witness with a URL, the verified cosignatures it has given since start. */
  witnessCosignatures(): { vkey: string; cosignatures: number }[] {
    return this.witnesses.cosignatureCounts();
  }

  /** Resolves once no cosigning round is running. */
  witnessesIdle(): Promise<void> {
    return this.witnesses.idle();
  }

  /** Validates an entry and resolves once it is durably logged under a signed checkpoint. */
  async submit(entry: Uint8Array): Promise<AppendResult> {
    if (this.closing) throw new DiptychError('not_ready', 'the log is shutting down');
    this.validating++;
    let validated: ValidatedEntry;
    try {
      validated = await this.validator.validate(entry);
    } finally {
      if (--this.validating === 0) this.validatedAll?.();
    }
    // Reached before drain() goes on (its wait resolves in a later microtask), so an entry
    // validated during a drain is in the sequencer's last steps.
    this.witnessRule(validated);
    return this.sequencer.add(entry, validated);
  }

  /**
   * Stops taking entries but answers those already taken: new submissions are refused
   * (not_ready); those being validated, and those waiting for a checkpoint, are logged and
   * their callers answered. Reads go on working. For a graceful stop: drain, close the
   * connections that waited for those answers, then close().
   */
  drain(): Promise<void> {
    this.drained ??= this.drainOnce();
    return this.drained;
  }

  private async drainOnce(): Promise<void> {
    await this.publisher.close(); // it submits through this log: before the door closes
    this.closing = true;
    if (this.validating > 0) await new Promise<void>((resolve) => (this.validatedAll = resolve));
    await this.sequencer.close();
  }

  async close(): Promise<void> {
    await this.drain();
    // Nothing is admitted any more: the state is that of every stored entry. (A log run with
    // other admission rules keeps no state of its own to save.) A failed save costs the next
    // start a longer replay, nothing else, so it does not fail the close.
    if (this.savesSnapshots) await saveState(this.storage, this.hasher, this.state, this.sequencer.size).catch(() => undefined);
    await this.witnesses.close();
    await this.verifier.close();
    await this.storage.close();
  }
}
