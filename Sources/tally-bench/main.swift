import TallyWire
import TallyCrypto
for (p, limit) in [(ChainParameters.main, UInt64(0xffff000000)), (ChainParameters.regtest, UInt64(0x7fffff0000000000))] {
    var h = p.genesis.header
    var n: UInt32 = 0
    while true { h.nonce = n; if h.hash.w3 < limit { break }; n += 1 }
    print(p.network, n, h.hash)
}
