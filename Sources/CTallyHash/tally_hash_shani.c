/*
 * tally_hash_shani.c - SHA-NI scan kernels with N independent nonces interleaved.
 *
 * sha256rnds2 has a latency of about 4 cycles but can issue about once per cycle, so
 * several independent streams are needed to keep the SHA unit busy. Everything stays in
 * registers (W+K is added in a register; the upper pair of each group of four is moved
 * down with pshufd, since rnds2 only reads the low 64 bits of xmm0).
 *
 * Per nonce:
 *   hash 1, block 2: state after round 3 = precomputed + bswap(nonce) in lanes a and e;
 *                    rounds 4..63 (30 x rnds2); W4..W15 + K are constants; the first
 *                    schedule vectors use precomputed constant parts.
 *   hash 2:          rounds 0..61 (31 x rnds2); W8..W15 + K are constants.
 *   early reject:    H7 = IV7 + e after round 60 (= f after round 61); the full 8-word
 *                    comparison runs only if bswap(H7) <= target[7].
 *
 * On Zen 4 sha256msg2 shares the SHA unit with rnds2 (and takes 2 cycles there), so the
 * 24 msg2 per nonce cost about as much as 48 rounds: this kernel is bounded near 110
 * cycles per nonce there, which is why the AVX-512 kernel is preferred when available.
 */
#include "tally_hash_internal.h"

#if TALLY_X86
#include <immintrin.h>

#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))
#define SHA_INLINE static inline __attribute__((always_inline)) SHA_TARGET

#ifdef __clang__
#define UNROLL _Pragma("clang loop unroll(full)")
#else
#define UNROLL _Pragma("GCC unroll 64")
#endif

#define MAXN 8

typedef struct {
    __m128i abef3, cdgh3;     /* hash-1 state after round 3, nonce word 0 */
    __m128i mid_abef, mid_cdgh;
    __m128i m0base;           /* [t0, t1, t2, 0] */
    __m128i c5, c7;           /* hash-1 schedule constants */
    __m128i bsw_ae, bsw_m0;   /* pshufb masks: bswap(nonce) into lanes 1,3 / lane 3 */
    __m128i m2_2, m3_2, c6_2; /* hash-2 padding words and schedule constant */
    __m128i iv_abef, iv_cdgh; /* IV in register layout */
} shani_ctx;

SHA_INLINE __m128i kvec(int i)
{
    return _mm_loadu_si128((const __m128i *)&tally_sha256_K[4 * i]);
}

/* a..h -> ABEF / CDGH register layout used by sha256rnds2 */
SHA_INLINE __m128i to_abef(const uint32_t s[8]) { return _mm_set_epi32((int)s[0], (int)s[1], (int)s[4], (int)s[5]); }
SHA_INLINE __m128i to_cdgh(const uint32_t s[8]) { return _mm_set_epi32((int)s[2], (int)s[3], (int)s[6], (int)s[7]); }

SHA_INLINE void ctx_init(const tally_prep *p, shani_ctx *c)
{
    const uint32_t *w = p->w;
    const uint32_t *iv = tally_sha256_IV;
    c->abef3 = to_abef(p->st3);
    c->cdgh3 = to_cdgh(p->st3);
    c->mid_abef = to_abef(p->mid);
    c->mid_cdgh = to_cdgh(p->mid);
    c->m0base = _mm_set_epi32(0, (int)w[2], (int)w[1], (int)w[0]);
    /* W16 = s0(W1) + W0 (W9 = W14 = 0) does not depend on the nonce. */
    uint32_t w16 = TALLY_SSIG0(w[1]) + w[0];
    /* msg1(M1,M2) + alignr(M4,M3) = [W4 + s0(W5), .., W7 + s0(W8)] + [W13, W14, W15, W16] */
    c->c5 = _mm_set_epi32((int)w16, 640, 0, (int)0x80000000u);
    /* msg1(M3,M4) = [W12 + s0(W13), W13 + s0(W14), W14 + s0(W15), W15 + s0(W16)] */
    c->c7 = _mm_set_epi32((int)(640u + TALLY_SSIG0(w16)), (int)TALLY_SSIG0(640u), 0, 0);
    c->bsw_ae = _mm_set_epi8(0, 1, 2, 3, -128, -128, -128, -128, 0, 1, 2, 3, -128, -128, -128, -128);
    c->bsw_m0 = _mm_set_epi8(0, 1, 2, 3, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128);
    c->m2_2 = _mm_set_epi32(0, 0, 0, (int)0x80000000u);
    c->m3_2 = _mm_set_epi32(256, 0, 0, 0);
    /* msg1(M2,M3) with W8 = 0x80000000, W9..W12 = 0 */
    c->c6_2 = _mm_set_epi32(0, 0, 0, (int)0x80000000u);
    c->iv_abef = _mm_set_epi32((int)iv[0], (int)iv[1], (int)iv[4], (int)iv[5]);
    c->iv_cdgh = _mm_set_epi32((int)iv[2], (int)iv[3], (int)iv[6], (int)iv[7]);
}

/* M_i = msg2(msg1(M_{i-4}, M_{i-3}) + alignr(M_{i-1}, M_{i-2}, 4), M_{i-1}) */
SHA_INLINE __m128i sched(__m128i m4, __m128i m3, __m128i m2, __m128i m1)
{
    __m128i x = _mm_sha256msg1_epu32(m4, m3);
    x = _mm_add_epi32(x, _mm_alignr_epi8(m1, m2, 4));
    return _mm_sha256msg2_epu32(x, m1);
}

/* Hash-1 schedule vector i (4..15); m[] holds M0..M15 (only a window of 4 is live). */
SHA_INLINE __m128i sched1(const shani_ctx *c, const __m128i *m, int i)
{
    switch (i) {
    case 4: /* msg1(M0,M1) + alignr(M3,M2) where W9..W12 = 0 */
        return _mm_sha256msg2_epu32(_mm_sha256msg1_epu32(m[0], _mm_set_epi32(0, 0, 0, (int)0x80000000u)),
                                    _mm_set_epi32(640, 0, 0, 0));
    case 5:
        return _mm_sha256msg2_epu32(c->c5, m[4]);
    case 6: /* msg1(M2,M3) = 0 */
        return _mm_sha256msg2_epu32(_mm_alignr_epi8(m[5], m[4], 4), m[5]);
    case 7:
        return _mm_sha256msg2_epu32(_mm_add_epi32(c->c7, _mm_alignr_epi8(m[6], m[5], 4)), m[6]);
    default:
        return sched(m[i - 4], m[i - 3], m[i - 2], m[i - 1]);
    }
}

/* Hash-2 schedule vector i (4..15). */
SHA_INLINE __m128i sched2(const shani_ctx *c, const __m128i *m, int i)
{
    switch (i) {
    case 4: /* alignr(M3,M2) = [W9..W12] = 0 */
        return _mm_sha256msg2_epu32(_mm_sha256msg1_epu32(m[0], m[1]), c->m3_2);
    case 5:
        return _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(m[1], c->m2_2),
                                                  _mm_alignr_epi8(m[4], c->m3_2, 4)), m[4]);
    case 6:
        return _mm_sha256msg2_epu32(_mm_add_epi32(c->c6_2, _mm_alignr_epi8(m[5], m[4], 4)), m[5]);
    case 7:
        return sched(c->m3_2, m[4], m[5], m[6]);
    default:
        return sched(m[i - 4], m[i - 3], m[i - 2], m[i - 1]);
    }
}

/* Two rounds: (x = ABEF, y = CDGH) -> new ABEF in x, old ABEF becomes CDGH.
   Only the low 64 bits of wk are used. */
#define RND2(x, y, wk)                                             \
    do {                                                           \
        __m128i t_ = _mm_sha256rnds2_epu32((y), (x), (wk));        \
        (y) = (x);                                                 \
        (x) = t_;                                                  \
    } while (0)

/* The schedule vector M_i is computed while the rounds of group i - LOOKAHEAD run. */
#define LOOKAHEAD 2

SHA_INLINE int shani_scan(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out,
                          const int N)
{
    shani_ctx c;
    __m128i wkc1[4][2], wkc2[4][2];
    const uint32_t t7 = p->target[7];
    const uint64_t end = (uint64_t)start + count;

    ctx_init(p, &c);
    for (int g = 1; g < 4; g++) {
        __m128i v = _mm_add_epi32(_mm_loadu_si128((const __m128i *)&p->w[4 * g]), kvec(g));
        wkc1[g][0] = v;
        wkc1[g][1] = _mm_shuffle_epi32(v, 0x0E);
    }
    wkc2[2][0] = _mm_add_epi32(c.m2_2, kvec(2));
    wkc2[2][1] = _mm_shuffle_epi32(wkc2[2][0], 0x0E);
    wkc2[3][0] = _mm_add_epi32(c.m3_2, kvec(3));
    wkc2[3][1] = _mm_shuffle_epi32(wkc2[3][0], 0x0E);
    __m128i nv[MAXN];
    UNROLL for (int s = 0; s < N; s++) nv[s] = _mm_set1_epi32((int)(start + (uint32_t)s));
    const __m128i nstep = _mm_set1_epi32(N);

    for (uint64_t base = start; base < end; base += (uint64_t)N) {
        __m128i x[MAXN], y[MAXN];
        __m128i m[MAXN][16];

        /* ---- hash 1, second block: rounds 4..63 ---- */
        UNROLL for (int s = 0; s < N; s++) {
            x[s] = _mm_add_epi32(c.abef3, _mm_shuffle_epi8(nv[s], c.bsw_ae));
            y[s] = c.cdgh3;
            m[s][0] = _mm_add_epi32(c.m0base, _mm_shuffle_epi8(nv[s], c.bsw_m0));
            nv[s] = _mm_add_epi32(nv[s], nstep);
        }
        UNROLL for (int g = 1; g < 16; g++) {
            const int i = g + LOOKAHEAD;
            if (i >= 4 && i < 16) {
                UNROLL for (int s = 0; s < N; s++) m[s][i] = sched1(&c, m[s], i);
            }
            if (g < 4) {
                UNROLL for (int s = 0; s < N; s++) RND2(x[s], y[s], wkc1[g][0]);
                UNROLL for (int s = 0; s < N; s++) RND2(x[s], y[s], wkc1[g][1]);
            } else {
                __m128i wk[MAXN];
                UNROLL for (int s = 0; s < N; s++) {
                    wk[s] = _mm_add_epi32(m[s][g], kvec(g));
                    RND2(x[s], y[s], wk[s]);
                }
                UNROLL for (int s = 0; s < N; s++) RND2(x[s], y[s], _mm_shuffle_epi32(wk[s], 0x0E));
            }
        }

        /* ---- hash 2 ---- */
        UNROLL for (int s = 0; s < N; s++) {
            __m128i abef = _mm_add_epi32(x[s], c.mid_abef);
            __m128i cdgh = _mm_add_epi32(y[s], c.mid_cdgh);
            m[s][0] = _mm_shuffle_epi32(_mm_unpackhi_epi64(abef, cdgh), 0xB1); /* H0..H3 */
            m[s][1] = _mm_shuffle_epi32(_mm_unpacklo_epi64(abef, cdgh), 0xB1); /* H4..H7 */
            x[s] = c.iv_abef;
            y[s] = c.iv_cdgh;
        }
        /* rounds 0..61 in pairs */
        UNROLL for (int g = 0; g < 16; g++) {
            const int i = g + LOOKAHEAD;
            if (i >= 4 && i < 16) {
                UNROLL for (int s = 0; s < N; s++) m[s][i] = sched2(&c, m[s], i);
            }
            if (g == 2 || g == 3) {
                UNROLL for (int s = 0; s < N; s++) RND2(x[s], y[s], wkc2[g][0]);
                UNROLL for (int s = 0; s < N; s++) RND2(x[s], y[s], wkc2[g][1]);
            } else {
                __m128i wk[MAXN];
                UNROLL for (int s = 0; s < N; s++) {
                    wk[s] = _mm_add_epi32(m[s][g], kvec(g));
                    RND2(x[s], y[s], wk[s]);
                }
                if (g < 15) {
                    UNROLL for (int s = 0; s < N; s++) RND2(x[s], y[s], _mm_shuffle_epi32(wk[s], 0x0E));
                }
            }
        }
        /* state after round 61: f = e after round 60 is lane 0 of ABEF */

        /* ---- early reject on H7 = IV7 + e(round 60) ---- */
        uint32_t h7[MAXN];
        int any = 0;
        UNROLL for (int s = 0; s < N; s++) {
            h7[s] = tally_bswap32((uint32_t)_mm_cvtsi128_si32(x[s]) + tally_sha256_IV[7]);
            any |= h7[s] <= t7;
        }
        if (__builtin_expect(any, 0)) {
            for (int s = 0; s < N; s++) {
                uint64_t n = base + (uint64_t)s;
                if (n < end && h7[s] <= t7 && tally_check_nonce(p, (uint32_t)n)) {
                    *nonce_out = (uint32_t)n;
                    return 1;
                }
            }
        }
    }
    return 0;
}

SHA_TARGET int tally_kernel_shani2(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out)
{
    return shani_scan(p, start, count, nonce_out, 2);
}

SHA_TARGET int tally_kernel_shani3(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out)
{
    return shani_scan(p, start, count, nonce_out, 3);
}

SHA_TARGET int tally_kernel_shani4(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out)
{
    return shani_scan(p, start, count, nonce_out, 4);
}

#else
/* ISO C does not allow an empty translation unit. */
typedef int tally_hash_shani_unused;
#endif /* TALLY_X86 */
