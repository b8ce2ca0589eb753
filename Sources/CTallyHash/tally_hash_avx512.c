/*
 * tally_hash_avx512.c - AVX-512 scan kernel: 16 nonces, one per 32-bit lane.
 *
 * Rotations use vprord, Ch / Maj / three-way xor use vpternlogd. Same algebra as the
 * SHA-NI kernel: state after round 3 precomputed (nonce word added to a and e),
 * message words that are constant or zero are folded (constant-only subexpressions
 * are loop invariant and get hoisted by the compiler), round 0 of the second hash is
 * folded, the second hash stops after round 60 and only e is computed in rounds 57..60.
 */
#include "tally_hash_internal.h"

#if TALLY_X86
#include <immintrin.h>

#define AVX_TARGET __attribute__((target("avx512f,avx512vl,avx512bw")))
#define AVX_INLINE static inline __attribute__((always_inline)) AVX_TARGET

#ifdef __clang__
#define UNROLL _Pragma("clang loop unroll(full)")
#else
#define UNROLL _Pragma("GCC unroll 64")
#endif

typedef __m512i V;

AVX_INLINE V vadd(V a, V b) { return _mm512_add_epi32(a, b); }
AVX_INLINE V vset(uint32_t x) { return _mm512_set1_epi32((int)x); }
AVX_INLINE V bsig0(V x)
{
    return _mm512_ternarylogic_epi32(_mm512_ror_epi32(x, 2), _mm512_ror_epi32(x, 13), _mm512_ror_epi32(x, 22), 0x96);
}
AVX_INLINE V bsig1(V x)
{
    return _mm512_ternarylogic_epi32(_mm512_ror_epi32(x, 6), _mm512_ror_epi32(x, 11), _mm512_ror_epi32(x, 25), 0x96);
}
AVX_INLINE V ssig0(V x)
{
    return _mm512_ternarylogic_epi32(_mm512_ror_epi32(x, 7), _mm512_ror_epi32(x, 18), _mm512_srli_epi32(x, 3), 0x96);
}
AVX_INLINE V ssig1(V x)
{
    return _mm512_ternarylogic_epi32(_mm512_ror_epi32(x, 17), _mm512_ror_epi32(x, 19), _mm512_srli_epi32(x, 10), 0x96);
}
AVX_INLINE V vch(V e, V f, V g) { return _mm512_ternarylogic_epi32(e, f, g, 0xCA); }
AVX_INLINE V vmaj(V a, V b, V c) { return _mm512_ternarylogic_epi32(a, b, c, 0xE8); }

/* W[t] for t >= 16; words 0..15 whose bit is set in zero_mask are known to be zero. */
AVX_INLINE V expand(const V *W, int t, unsigned zero_mask)
{
#define ZERO(i) ((i) < 16 && ((zero_mask >> (i)) & 1u))
    V lo, hi;
    int have_lo = 0, have_hi = 0;
    /* (s1(W[t-2]) + W[t-7]) and (s0(W[t-15]) + W[t-16]): the second half is often constant */
    if (!ZERO(t - 2)) { lo = ssig1(W[t - 2]); have_lo = 1; }
    if (!ZERO(t - 7)) { lo = have_lo ? vadd(lo, W[t - 7]) : W[t - 7]; have_lo = 1; }
    if (!ZERO(t - 15)) { hi = ssig0(W[t - 15]); have_hi = 1; }
    if (!ZERO(t - 16)) { hi = have_hi ? vadd(hi, W[t - 16]) : W[t - 16]; have_hi = 1; }
    if (have_lo && have_hi) return vadd(lo, hi);
    if (have_lo) return lo;
    if (have_hi) return hi;
    return _mm512_setzero_si512();
#undef ZERO
}

#define ROUND(kw)                                                     \
    do {                                                              \
        V t1_ = vadd(vadd(h, (kw)), vadd(bsig1(e), vch(e, f, g)));    \
        V t2_ = vadd(bsig0(a), vmaj(a, b, c));                        \
        h = g; g = f; f = e; e = vadd(d, t1_);                        \
        d = c; c = b; b = a; a = vadd(t1_, t2_);                      \
    } while (0)

/* Round that only produces e (a is not needed any more). */
#define ROUND_E(kw)                                                   \
    do {                                                              \
        V t1_ = vadd(vadd(h, (kw)), vadd(bsig1(e), vch(e, f, g)));    \
        h = g; g = f; f = e; e = vadd(d, t1_);                        \
        d = c; c = b; b = a;                                          \
    } while (0)

AVX_TARGET int tally_kernel_avx512(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out)
{
    const uint32_t *K = tally_sha256_K;
    const uint32_t *IV = tally_sha256_IV;
    const uint64_t end = (uint64_t)start + count;
    const unsigned zero1 = 0x7fe0u; /* hash 1 block 2: W5..W14 = 0 */
    const unsigned zero2 = 0x7e00u; /* hash 2: W9..W14 = 0 */
    const V bswap = _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203);
    const V vt7 = vset(p->target[7]);
    V nv = vadd(vset(start), _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));

    /* hash 2, round 0 from the IV: T1 = k1 + W0, T2 = k2 */
    const uint32_t k1 = IV[7] + TALLY_BSIG1(IV[4]) + TALLY_CH(IV[4], IV[5], IV[6]) + K[0];
    const uint32_t k2 = TALLY_BSIG0(IV[0]) + TALLY_MAJ(IV[0], IV[1], IV[2]);

    for (uint64_t base = start; base < end; base += 16) {
        V W[64];
        V a, b, c, d, e, f, g, h;
        const V w3 = _mm512_shuffle_epi8(nv, bswap);
        nv = vadd(nv, vset(16));

        /* ---- hash 1, second block ---- */
        UNROLL for (int t = 0; t < 16; t++) W[t] = vset(p->w[t]);
        W[3] = w3;
        a = vadd(vset(p->st3[0]), w3);
        b = vset(p->st3[1]);
        c = vset(p->st3[2]);
        d = vset(p->st3[3]);
        e = vadd(vset(p->st3[4]), w3);
        f = vset(p->st3[5]);
        g = vset(p->st3[6]);
        h = vset(p->st3[7]);
        UNROLL for (int t = 4; t < 16; t++) ROUND(vset(p->w[t] + K[t]));
        UNROLL for (int t = 16; t < 64; t++) {
            W[t] = expand(W, t, zero1);
            ROUND(vadd(W[t], vset(K[t])));
        }

        /* ---- hash 2 ---- */
        W[0] = vadd(a, vset(p->mid[0]));
        W[1] = vadd(b, vset(p->mid[1]));
        W[2] = vadd(c, vset(p->mid[2]));
        W[3] = vadd(d, vset(p->mid[3]));
        W[4] = vadd(e, vset(p->mid[4]));
        W[5] = vadd(f, vset(p->mid[5]));
        W[6] = vadd(g, vset(p->mid[6]));
        W[7] = vadd(h, vset(p->mid[7]));
        W[8] = vset(0x80000000u);
        UNROLL for (int t = 9; t < 15; t++) W[t] = _mm512_setzero_si512();
        W[15] = vset(256);

        /* round 0 folded */
        a = vadd(W[0], vset(k1 + k2));
        b = vset(IV[0]);
        c = vset(IV[1]);
        d = vset(IV[2]);
        e = vadd(W[0], vset(IV[3] + k1));
        f = vset(IV[4]);
        g = vset(IV[5]);
        h = vset(IV[6]);
        UNROLL for (int t = 1; t < 8; t++) ROUND(vadd(W[t], vset(K[t])));
        ROUND(vset(0x80000000u + K[8]));
        UNROLL for (int t = 9; t < 15; t++) ROUND(vset(K[t]));
        ROUND(vset(256u + K[15]));
        UNROLL for (int t = 16; t < 57; t++) {
            W[t] = expand(W, t, zero2);
            ROUND(vadd(W[t], vset(K[t])));
        }
        UNROLL for (int t = 57; t < 61; t++) {
            W[t] = expand(W, t, zero2);
            ROUND_E(vadd(W[t], vset(K[t])));
        }
        (void)a;

        /* ---- early reject: H7 = IV7 + e(round 60), as little-endian word ---- */
        const V h7 = _mm512_shuffle_epi8(vadd(e, vset(IV[7])), bswap);
        __mmask16 hit = _mm512_cmple_epu32_mask(h7, vt7);
        if (__builtin_expect(hit != 0, 0)) {
            unsigned mk = hit;
            while (mk) {
                unsigned lane = (unsigned)__builtin_ctz(mk);
                uint64_t n = base + lane;
                mk &= mk - 1;
                if (n < end && tally_check_nonce(p, (uint32_t)n)) {
                    *nonce_out = (uint32_t)n;
                    return 1;
                }
            }
        }
    }
    return 0;
}

#else
/* ISO C does not allow an empty translation unit. */
typedef int tally_hash_avx512_unused;
#endif /* TALLY_X86 */
