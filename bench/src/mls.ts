/**
 * The `mls` benchmark: what end-to-end encryption costs a device, through our engine
 * (`DeviceMls`) and through bare ts-mls 1.6.4 calls doing the same work, in the same run,
 * for groups of 2, 10, 100 and 1,000 devices (`--quick` stops at 100):
 * - create the group and add every other device in one commit;
 * - join from the Welcome (a sample of members, spread over the tree);
 * - add one more device, and process that commit on each sampled member;
 * - encrypt and decrypt one application message;
 * - the saved state of one device for the group.
 * Both sides start from MLSMessage bytes and end with bytes, as a device on the wire does,
 * use the same cipher suite, PublicMessage commits with the ratchet tree in the Welcome,
 * and PKCS#8 Ed25519 signature keys. The leaves nobody samples are key packages without a
 * device behind them: the committer's and each member's work does not depend on whether
 * the other members have joined, and joining 999 devices would only add hours.
 */
import {
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackage,
  joinGroup,
  processPrivateMessage,
  processPublicMessage,
  zeroOutUint8Array,
  type CiphersuiteImpl,
  type ClientState,
  type KeyPackage,
  type PrivateKeyPackage,
  type Proposal,
} from 'ts-mls';
import { generateDeviceKeys } from '../../chat/client/src/identity.ts';
import { DeviceMls } from '../../chat/client/src/mls/index.ts';
import { CIPHER_SUITE, loadCipherSuite } from '../../chat/client/src/mls/cipher-suite.ts';
import { median, printTable, writeReport } from './report.ts';

const SIZES = [2, 10, 100, 1000];
/** Members that join for real and process the add-one commit (fewer in a smaller group). */
const SAMPLED_MEMBERS = 4;
const MESSAGES = 50;

interface Sample {
  create_and_add_all_ms: number;
  join_ms: number;
  add_one_ms: number;
  process_add_one_ms: number;
  encrypt_ms: number;
  decrypt_ms: number;
  state_bytes_creator: number;
  state_bytes_member: number;
  save_state_ms: number;
}

const text = new TextEncoder();

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
}

function bareKeyPackage(deviceId: string, cs: CiphersuiteImpl): Promise<{ publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }> {
  return generateKeyPackage({ credentialType: 'basic', identity: text.encode(deviceId) }, defaultCapabilities(), defaultLifetime, [], cs);
}

const keyPackageBytes = (keyPackage: KeyPackage) => encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage });

/** The n − 1 key packages the creator adds: the sampled members' spread evenly among the fillers. */
function roster(fillers: readonly Uint8Array[], sampled: readonly Uint8Array[], others: number): Uint8Array[] {
  const list = fillers.slice(0, others - sampled.length);
  sampled.forEach((bytes, i) => list.splice(Math.floor(((i + 1) * list.length) / (sampled.length + 1)) + i, 0, bytes));
  return list;
}

function decodeKeyPackage(bytes: Uint8Array): KeyPackage {
  const message = decodeMlsMessage(bytes, 0)?.[0];
  if (message?.wireformat !== 'mls_key_package') throw new Error('not a key package');
  return message.keyPackage;
}

async function runOurs(n: number, fillers: readonly Uint8Array[]): Promise<Sample> {
  const device = async (id: string) => DeviceMls.open({ deviceId: id, ...(await generateDeviceKeys()) });
  const creator = await device('1');
  const members = await Promise.all(Array.from({ length: Math.min(SAMPLED_MEMBERS, n - 1) }, (_, i) => device(String(2 + i))));
  const newcomer = await device('99');
  const sampledPackages = await Promise.all(members.map(async (m) => (await m.generateKeyPackages(1)).keyPackages[0]!));
  const newcomerPackage = (await newcomer.generateKeyPackages(1)).keyPackages[0]!;
  const packages = roster(fillers, sampledPackages, n - 1);

  const [staged, createAndAddAll] = await timed(async () => {
    await creator.createGroup('g');
    const staged = await creator.addDevices('g', packages);
    creator.confirmCommit('g');
    return staged;
  });
  const joins: number[] = [];
  for (const member of members) joins.push((await timed(() => member.joinFromWelcome(staged.welcome!)))[1]);
  const [addOne, addOneMs] = await timed(async () => {
    const addOne = await creator.addDevices('g', [newcomerPackage]);
    creator.confirmCommit('g');
    return addOne;
  });
  const processes: number[] = [];
  for (const member of members) processes.push((await timed(() => member.processHandshake(addOne.commit)))[1]);

  const [sealed, encryptMs] = await timed(async () => {
    const sealed: Uint8Array[] = [];
    for (let i = 0; i < MESSAGES; i++) sealed.push(await creator.encrypt('g', text.encode(`message ${i}`)));
    return sealed;
  });
  const [, decryptMs] = await timed(async () => {
    for (const bytes of sealed) await members[0]!.decrypt(bytes);
  });
  if (creator.treeHash('g') !== members[0]!.treeHash('g')) throw new Error('ours: members diverged');
  const [, saveMs] = await timed(async () => creator.serialize());
  return {
    create_and_add_all_ms: createAndAddAll,
    join_ms: median(joins),
    add_one_ms: addOneMs,
    process_add_one_ms: median(processes),
    encrypt_ms: encryptMs / MESSAGES,
    decrypt_ms: decryptMs / MESSAGES,
    state_bytes_creator: creator.groupStateSize('g'),
    state_bytes_member: members[0]!.groupStateSize('g'),
    save_state_ms: saveMs,
  };
}

async function runBare(n: number, fillers: readonly Uint8Array[], cs: CiphersuiteImpl): Promise<Sample> {
  const members = await Promise.all(Array.from({ length: Math.min(SAMPLED_MEMBERS, n - 1) }, (_, i) => bareKeyPackage(String(2 + i), cs)));
  const newcomer = await bareKeyPackage('99', cs);
  const packages = roster(fillers, members.map((m) => keyPackageBytes(m.publicPackage)), n - 1);
  const newcomerPackage = keyPackageBytes(newcomer.publicPackage);
  const commit = async (state: ClientState, keyPackages: readonly Uint8Array[]) => {
    const proposals: Proposal[] = keyPackages.map((bytes) => ({ proposalType: 'add', add: { keyPackage: decodeKeyPackage(bytes) } }));
    const result = await createCommit({ state, cipherSuite: cs }, { extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true });
    result.consumed.forEach(zeroOutUint8Array);
    return { state: result.newState, commit: encodeMlsMessage(result.commit), welcome: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome! }) };
  };

  // The creator's own key package is made inside the timing, as DeviceMls.createGroup makes one.
  const [created, createAndAddAll] = await timed(async () => {
    const creatorPackage = await bareKeyPackage('1', cs);
    const group = await createGroup(text.encode('g'), creatorPackage.publicPackage, creatorPackage.privatePackage, [], cs);
    return commit(group, packages);
  });
  let creator = created.state;
  const joins: number[] = [];
  const memberStates: ClientState[] = [];
  for (const member of members) {
    const [state, ms] = await timed(async () => {
      const message = decodeMlsMessage(created.welcome, 0)![0];
      if (message.wireformat !== 'mls_welcome') throw new Error('not a welcome');
      return joinGroup(message.welcome, member.publicPackage, member.privatePackage, emptyPskIndex, cs);
    });
    joins.push(ms);
    memberStates.push(state);
  }
  const [addOne, addOneMs] = await timed(() => commit(creator, [newcomerPackage]));
  creator = addOne.state;
  const processes: number[] = [];
  for (const [i, state] of memberStates.entries()) {
    const [next, ms] = await timed(async () => {
      const message = decodeMlsMessage(addOne.commit, 0)![0];
      if (message.wireformat !== 'mls_public_message') throw new Error('not a public message');
      const result = await processPublicMessage(state, message.publicMessage, emptyPskIndex, cs);
      result.consumed.forEach(zeroOutUint8Array);
      return result.newState;
    });
    processes.push(ms);
    memberStates[i] = next;
  }

  const [sealed, encryptMs] = await timed(async () => {
    const sealed: Uint8Array[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const result = await createApplicationMessage(creator, text.encode(`message ${i}`), cs);
      result.consumed.forEach(zeroOutUint8Array);
      creator = result.newState;
      sealed.push(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: result.privateMessage }));
    }
    return sealed;
  });
  let reader = memberStates[0]!;
  const [, decryptMs] = await timed(async () => {
    for (const bytes of sealed) {
      const message = decodeMlsMessage(bytes, 0)![0];
      if (message.wireformat !== 'mls_private_message') throw new Error('not a private message');
      const result = await processPrivateMessage(reader, message.privateMessage, emptyPskIndex, cs);
      result.consumed.forEach(zeroOutUint8Array);
      reader = result.newState;
    }
  });
  const [creatorState, saveMs] = await timed(async () => encodeGroupState(creator));
  return {
    create_and_add_all_ms: createAndAddAll,
    join_ms: median(joins),
    add_one_ms: addOneMs,
    process_add_one_ms: median(processes),
    encrypt_ms: encryptMs / MESSAGES,
    decrypt_ms: decryptMs / MESSAGES,
    state_bytes_creator: creatorState.length,
    state_bytes_member: encodeGroupState(reader).length,
    save_state_ms: saveMs,
  };
}

const TIMED: ReadonlyArray<keyof Sample> = ['create_and_add_all_ms', 'join_ms', 'add_one_ms', 'process_add_one_ms', 'encrypt_ms', 'decrypt_ms'];
const SIZED: ReadonlyArray<keyof Sample> = ['state_bytes_creator', 'state_bytes_member', 'save_state_ms'];

type Side = 'ours' | 'bare' | 'bare_same_crypto';

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const sizeArg = process.argv.find((a) => a.startsWith('--sizes='));
  const sizes = sizeArg ? sizeArg.slice('--sizes='.length).split(',').map(Number) : quick ? SIZES.filter((n) => n < 1000) : SIZES;
  // Small groups are quick and noisy: more runs. A first pass on a small group warms the JIT for both sides.
  const runsFor = (n: number) => (n >= 1000 ? 3 : quick ? 3 : 7);
  // ts-mls as shipped (WebCrypto for everything), and ts-mls given the crypto our engine uses (hashing and HKDF on @noble/hashes).
  const bareCs = await getCiphersuiteImpl(getCiphersuiteFromName(CIPHER_SUITE));
  const cs = await loadCipherSuite();
  const sides: Record<Side, (n: number) => Promise<Sample>> = {
    ours: (n) => runOurs(n, fillers),
    bare: (n) => runBare(n, fillers, bareCs),
    bare_same_crypto: (n) => runBare(n, fillers, cs),
  };
  const largest = Math.max(...sizes);
  console.log(`mls: groups of ${sizes.join(', ')} devices, ${SAMPLED_MEMBERS} sampled members, ${MESSAGES} messages, ${sizes.map(runsFor).join('/')} runs; generating ${largest - 1} key packages…`);
  const fillers: Uint8Array[] = [];
  for (let i = 0; i < Math.max(largest - 1, 9); i++) fillers.push(keyPackageBytes((await bareKeyPackage(String(100_000 + i), cs)).publicPackage));
  for (const side of Object.values(sides)) await side(10);

  const metrics: Record<string, number> = {};
  const baseline: Record<string, number> = {};
  const ratio: Record<string, number> = {};
  const rows: Parameters<typeof printTable>[0] = [];
  for (const n of sizes) {
    const samples: Record<Side, Sample[]> = { ours: [], bare: [], bare_same_crypto: [] };
    const order = Object.keys(sides) as Side[];
    for (let i = 0; i < runsFor(n); i++) {
      // Rotate which side goes first, so a busy spell on the shared machine does not always land on the same one.
      for (let k = 0; k < order.length; k++) {
        const side = order[(i + k) % order.length]!;
        samples[side].push(await sides[side](n));
      }
    }
    for (const key of [...TIMED, ...SIZED]) {
      const at = (side: Side) => median(samples[side].map((s) => s[key]));
      /** Median of the per-run ratios: each pair ran back to back, so it cancels most of the machine's drift. */
      const paired = (side: Side) => median(samples.ours.map((s, i) => s[key] / samples[side][i]![key]));
      const name = `n${n}_${key}`;
      metrics[name] = at('ours');
      baseline[name] = at('bare');
      baseline[`${name}_same_crypto`] = at('bare_same_crypto');
      const unit = key.endsWith('_ms') ? 'ms' : 'bytes';
      if (TIMED.includes(key)) {
        ratio[name] = paired('bare');
        ratio[`${name}_vs_same_crypto`] = paired('bare_same_crypto');
        rows.push({ metric: `${n} devices: ${key}`, ours: at('ours'), baseline: at('bare'), ratio: ratio[name], unit });
        rows.push({ metric: `${n} devices: ${key} (bare, same crypto)`, ours: at('ours'), baseline: at('bare_same_crypto'), ratio: ratio[`${name}_vs_same_crypto`], unit });
      } else {
        rows.push({ metric: `${n} devices: ${key}`, ours: at('ours'), baseline: at('bare'), unit });
      }
    }
    console.log(`  ${n} devices done`);
  }
  printTable(rows);
  const path = writeReport({
    name: 'mls',
    runs: Math.min(...sizes.map(runsFor)),
    metrics,
    baseline,
    ratio,
    notes: [
      'Ratios are medians of per-run ratios (ours and the baselines run back to back in each run). Baseline "bare": ts-mls 1.6.4 as shipped (WebCrypto for hashing, HMAC and HKDF too). Baseline "same_crypto": the same bare calls given the cipher-suite implementation our engine uses (hashing and HKDF on @noble/hashes, signatures/HPKE/AEAD on WebCrypto): that ratio is the engine\'s own overhead.',
      'Ours: DeviceMls (chat/client/src/mls) — staged commit + confirm, joinFromWelcome, processHandshake, encrypt/decrypt (sender device id read from the verified leaf). Baseline: the same operations as bare ts-mls 1.6.4 calls (createGroup, createCommit, joinGroup, processPublicMessage, createApplicationMessage, processPrivateMessage), bytes in and out on both sides.',
      'Cipher suite MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519; commits as PublicMessage with the ratchet tree in the Welcome (ratchet_tree extension); PKCS#8 Ed25519 signature keys on both sides.',
      `Medians of ${sizes.map((n) => `${runsFor(n)} runs at ${n}`).join(', ')} devices, after one warm-up pass; join and process: median over ${SAMPLED_MEMBERS} members spread over the tree (every member does this work, in parallel, on its own device); encrypt/decrypt: per message over ${MESSAGES}.`,
      'state_bytes: the group state one device saves (encodeGroupState); save_state_ms: serializing it (ours: the whole device state, baseline: encodeGroupState of the group). Not part of the ratio: the baseline keeps no state at all.',
      'Absolute times move with other work on the machine (see loadAverage); the ratio, measured in the same run, is the figure to quote.',
    ],
  });
  console.log(`wrote ${path}`);
}
