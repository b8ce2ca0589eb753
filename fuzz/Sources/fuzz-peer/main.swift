import Foundation
import Logging
import NIOCore
import NIOEmbedded
import TallyChain
import TallyCrypto
import TallyMempool
import TallyMining
@_spi(Fuzzing) import TallyNet
import TallyNode
import TallyWire

/// A stateful target in the spirit of Bitcoin Core's `process_messages`: one input is a sequence of
/// messages from one peer, fed through the real peer pipeline (`FrameDecoder`, `FrameEncoder`,
/// `PeerHandler`, `PeerManager`) on an `EmbeddedChannel` into a real regtest `Node` (SQLite store,
/// mempool), with invariants checked after every message.
///
/// The node starts every input in the same state: a chain of 110 blocks on the regtest genesis, all
/// paying the fuzzer's key (so the coinbases of heights 1–11 are mature and spendable), and an empty
/// mempool. It is made once per process (a snapshot of that store); an input that changed the chain
/// or the mempool gets a fresh copy for the next input, so every input is one deterministic run. The
/// network, event loop and channel are new for every input. Calls into the node run inline
/// (`offLoop: { $0() }`); their results hop back through the `EmbeddedEventLoop`, run by `loop.run()`.
///
/// Input format:
///
/// - byte 0, set-up: bits 0–1 the handshake done before the first operation (0: none; 1: the peer's
///   `version` only; 2, 3: `version` and `verack`, so the peer is ready). Bit 2: banning off
///   (`--no-ban`). Bit 3: the peer's `version` announces start height 0 instead of 1,000 (the node
///   asks blocks only of peers whose chain reaches them). Bit 4: that `version` carries the node's own
///   nonce (a connection to itself, which the node must close).
/// - then operations, at most 64, until the input ends. Each is one byte `op`, and `op % 32` is (an
///   `op` below 26 means what it meant when there were 26 kinds):
///   - `0 … 17`: a message with that command (in the order of `MessageCodec.knownCommands`): a
///     little-endian `u16` length `n`, then `n` payload bytes (fewer if the input ends first), sent
///     in an envelope with the right magic, length and checksum, so that any payload reaches the
///     payload decoder and, if it decodes, the peer logic;
///   - `18`: the same with an unknown command (`op / 32 % 4` picks "", "sendheaders", "feefilter",
///     "zzzzzzzzzzzz");
///   - `19`: raw bytes: a `u16` length `n`, then `n` bytes written to the socket as they are (wrong
///     magic, split or partial frames, several frames at once);
///   - `20`: a block built by the harness, three parameter bytes `p q r`: parent (`p < 0x80`: a block
///     the harness built earlier in this input, `p % count`; otherwise the active chain's block
///     `p & 0x7F` below the tip), the last `q & 3` transactions the harness built go in (parents
///     first, fees paid to the coinbase), `q & 0x80` set: built but not sent (for `21`); `r % 14`:
///     0–3 a valid block, else one broken rule (4 coinbase pays 1 too much, 5 wrong merkle root, 6
///     time below the median time past, 7 time 10,000 s ahead, 8 wrong bits, 9 a transaction twice,
///     10 no coinbase, 11 coinbase height wrong, 12 proof of work not met, 13 two coinbases). Every
///     block but 12 meets its bits' proof of work;
///   - `21`: parameter `p`: `p & 0x80` set: send built block `(p & 0x7F) % count` as `block`;
///     otherwise `headers` with the headers of the last `p % 4 + 1` blocks built;
///   - `22`: a transaction built and signed by the harness, parameters `p q r`: the coin it spends
///     (`p < 0x80`: the coinbase of height `1 + p % 12` of the initial chain; otherwise
///     `(p & 0x7F) % count` of the coins the harness made in this input: its blocks' coinbases and its
///     transactions' outputs); `q`: bits 0–1 outputs − 1, bit 2 a second input (the next coinbase of
///     the initial chain), bit 3 a broken signature, bit 4 the same input twice, bit 5 outputs worth
///     one unit more than the inputs, bit 6 a dust output, bit 7 version 2; fee `r × 500` units;
///   - `23`: `inv`, parameters `p q`: `p & 0x80` blocks else transactions, the harness's own
///     (`(p & 0x7F) % count`, falling back to the active chain's blocks or the initial coinbases),
///     `q % 4 + 1` consecutive entries;
///   - `24`: `getdata`, parameters `p q`: as `23`, `q % 8 + 1` entries; blocks of the active chain
///     from height `(p & 0x7F)` up when the harness has built none;
///   - `25`: `getheaders` (or `getblocks` if `p & 0x80`), parameters `p q`: locator the active
///     chain's hash at height `(p & 0x7F) % (height + 1)`, hash stop zero if `q == 0`, else the active
///     hash at height `q % (height + 1)`;
///   - `26`: a burst of one kind of request in one write, from a peer that does not read (then
///     reads again); `27`: the peer stops reading, or reads again; `28`: a chain of the harness's
///     blocks beside the active one, sent as headers; `29`: a block the node asked for, served as
///     it is, with another body (R7), or answered `notfound`; `30`: the handshake in the wrong order
///     then more than 400 bytes, or bytes of another network or protocol; `31`, by a second byte `e`:
///     below `0xC0` (`e % 2`) orphan transactions by wtxid, `headers` that do not connect (their
///     parameters in `Session+Load.swift`); from `0xC0` up the compact blocks of issue #14, `(e &
///     0x3F) % 9`: `sendcmpct`, a block from elsewhere (announced as a new tip), `cmpctblock` of a
///     block the harness builds, `blocktxn`, `getdata` type 4, `getblocktxn`, any payload under one
///     of the four compact commands, a `version` of protocol 1 (or another), a second peer asking
///     for pushes (their parameters in `Session+Compact.swift`).
///
/// Invariants, after every operation (a failure is a crash libFuzzer reports):
///
/// - the event loop drains: `loop.run()` returns (a task that keeps rescheduling itself would turn
///   into a libFuzzer time-out);
/// - every byte the node sends is a well-formed frame of the regtest network (magic, checksum,
///   payload within its command's limit and decoding exactly);
/// - the chain summary is coherent: tip height ≤ best header height, tip work ≥ the genesis's, the
///   best header's work ≥ the tip's, tip work never decreases during the input, two `summary()`
///   calls in a row agree, and it matches the chain and mempool it summarises;
/// - the mempool: every input of every transaction spends an unspent coin of the active chain or an
///   existing output of another mempool transaction; no outpoint is spent twice; no mempool
///   transaction is a coinbase or already confirmed (output 0 in the UTXO set); `spender(of:)` and
///   `totalBytes` agree with the entries;
/// - a peer whose misbehaviour score reached 100 (the node logs each penalty with the score) is
///   disconnected;
/// - once the handshake is done (the node sent its `mempool`), a `ping` is answered by a `pong` with
///   its nonce, a `getstatus` by a `status` with the node's height and tip, a `mempool` by at least one
///   `inv`, unless the peer was disconnected;
/// - what the peer sent, read as the protocol says (`InboundModel`): until its `verack` follows its
///   `version` a payload over 400 bytes is malformed (disconnected, 100 points); a wrong magic
///   before that is a disconnection without penalty, after it a malformed message; the node's
///   handshake completes exactly when the model's does; the node closes the connection only for
///   one of these or a score of 100;
/// - while the peer does not read (`PeerSocket`): once the output budget is spent, no further
///   message is read (a `ping` then is not answered until the peer reads again), and what is still
///   written is at most one `getdata` run's transactions (1,000) and 256 KiB of anything else;
///   then every `ping` sent meanwhile is answered, and a burst's requests all in order;
/// - blocks the node asks for: never asked again of this peer once it served another body for one
///   (a protocol violation, 50 points, the block not condemned) or said `notfound`; headers of a
///   chain with less work than the tip are not stored (a protocol violation past 4,000 of them), of
///   more work stored; a block not asked for on such a chain is not stored and is a nuisance;
///   `headers` that do not connect are answered 8 times, then charged; an honest orphan
///   transaction is not displaced by a copy with a broken signature;
/// - the node disconnected the peer: its address connects again unless the node banned it (a score
///   of 100 with banning on), so a wrong magic before the handshake is no ban;
/// - compact blocks (Protocol.md §13.10): a version-2 peer is offered them (`sendcmpct` announce 0)
///   before the handshake completes; no compact message or type-4 item goes to a version-1 peer that
///   used none itself; a `cmpctblock` goes unasked only to a peer whose last `sendcmpct` asked for
///   pushes, and a new tip to such a peer is a `cmpctblock` rebuilding to it (to others its headers);
///   a `cmpctblock` is answered by one `getblocktxn` of exactly the positions neither prefilled nor
///   in the mempool, two equal short ids by `getdata` type 2, a broken header by 100 points; a
///   `blocktxn` of another count is a protocol violation, an unasked one nothing; `getdata` type 4
///   and `getblocktxn` are answered from the stored block; every `cmpctblock` pushed to the second
///   peer has a header that passes the header rules and a body that hashes to it.
///
/// Set `FUZZ_PEER_VERBOSE=1` to print the node's log and every message both ways (for reproducing a
/// crash); `FUZZ_PEER_WRITE_SEEDS=DIR` writes the hand-made seeds into DIR and exits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let harness = Harness.shared
    let start = DispatchTime.now().uptimeNanoseconds
    harness.prepareNode()
    let prepared = DispatchTime.now().uptimeNanoseconds
    // Everything made for one input is released when it ends: a reference cycle through the
    // network, a peer or its channel would keep them (and be a leak per connection in a node).
    weak var peerNetwork: PeerNetwork?
    weak var channel: EmbeddedChannel?
    weak var reconnection: EmbeddedChannel?
    weak var watcher: EmbeddedChannel?
    do {
        var session = Session(harness: harness, input: bytes)
        session.run()
        peerNetwork = session.peerNetwork
        channel = session.channel
        reconnection = session.reconnection
        watcher = session.watcher
    }
    precondition(peerNetwork == nil, "the PeerNetwork outlived its input (a reference cycle?)")
    precondition(channel == nil, "the peer's channel outlived its input (a reference cycle?)")
    precondition(reconnection == nil, "the peer's second channel outlived its input (a reference cycle?)")
    precondition(watcher == nil, "the second peer's channel outlived its input (a reference cycle?)")
    harness.inputs += 1
    harness.resetNanoseconds += prepared - start
    harness.runNanoseconds += DispatchTime.now().uptimeNanoseconds - prepared
    return 0
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: OpaquePointer?, _ argv: OpaquePointer?) -> CInt {
    if let directory = environment("FUZZ_PEER_WRITE_SEEDS") {
        Seeds.write(to: URL(fileURLWithPath: directory))
        try? FileManager.default.removeItem(at: Harness.shared.directory)
        exit(0)
    }
    _ = Harness.shared
    return 0
}
