/*
 * tally_hash_shani.c - SHA-NI scan kernels, N independent nonces interleaved
 * (sha256rnds2 has a latency of several cycles but can issue about once per
 * cycle, so several independent streams are needed to keep it busy).
 *
 * Per nonce:
 *   hash 1, block 2: state after round 3 = precomputed + bswap(nonce) in a and e;
 *                    rounds 4..63 (30 x sha256rnds2); message words W4..W15 are
 *                    constants; schedule uses partially precomputed vectors.
 *   hash 2:          round 0 folded (state after round 0 = constants + W0 in a and e);
 *                    rounds 1..60 (30 x sha256rnds2); W8..W15 constant.
 *   early reject:    H7 = IV7 + e after round 60; full check only if bswap(H7) <= target[7].
 *
 * The W+K values are kept in small per-stream arrays so that the upper pair of
 * each group of four can be fetched with a 64-bit load (no shuffle uop), and so
 * that the odd-aligned pairs of the second hash cost nothing extra.
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
/* How many groups of four rounds ahead the message schedule is computed. */
#define LOOKAHEAD 2

typedef struct {
    __m128i abef3, cdgh3;     /* hash-1 state after round 3, nonce word 0 */
    __m128i mid_abef, mid_cdgh;
    __m128i m0base;           /* [t0, t1, t2, 0] */
    __m128i c5, c7;           /* hash-1 schedule constants */
    __m128i bsw_ae, bsw_m0;   /* pshufb masks: bswap(nonce) into lanes 1,3 / lane 3 */
    __m128i x2add;            /* hash-2 state after round 0, minus W0 in lanes a,e */
    __m128i cdgh2;            /* hash-2 CDGH after round 0 */
    __m128i m2_2, m3_2, c6_2; /* hash-2 padding words and schedule constant */
    __m128i iv7;              /* IV7 in lane 1 */
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
    /* Hash 2, round 0 from the IV: T1 = k1 + W0, T2 = k2. */
    uint32_t k1 = iv[7] + TALLY_BSIG1(iv[4]) + TALLY_CH(iv[4], iv[5], iv[6]) + tally_sha256_K[0];
    uint32_t k2 = TALLY_BSIG0(iv[0]) + TALLY_MAJ(iv[0], iv[1], iv[2]);
    /* after round 0: a = k1+k2+W0, b = IVa, c = IVb, d = IVc, e = IVd+k1+W0, f = IVe, g = IVf, h = IVg */
    c->x2add = _mm_set_epi32((int)(k1 + k2), (int)iv[0], (int)(iv[3] + k1), (int)iv[4]);
    c->cdgh2 = _mm_set_epi32((int)iv[1], (int)iv[2], (int)iv[5], (int)iv[6]);
    c->m2_2 = _mm_set_epi32(0, 0, 0, (int)0x80000000u);
    c->m3_2 = _mm_set_epi32(256, 0, 0, 0);
    /* msg1(M2,M3) with W8 = 0x80000000, W9..W12 = 0 */
    c->c6_2 = _mm_set_epi32(0, 0, 0, (int)0x80000000u);
    c->iv7 = _mm_set_epi32(0, 0, (int)iv[7], 0);
}

/* M_i = msg2(msg1(M_{i-4}, M_{i-3}) + alignr(M_{i-1}, M_{i-2}, 4), M_{i-1}) */
SHA_INLINE __m128i sched(__m128i m4, __m128i m3, __m128i m2, __m128i m1)
{
    __m128i x = _mm_sha256msg1_epu32(m4, m3);
    x = _mm_add_epi32(x, _mm_alignr_epi8(m1, m2, 4));
    return _mm_sha256msg2_epu32(x, m1);
}

/* Hash-1 schedule vector i (4..15) for one stream; m[] holds M0..M15. */
SHA_INLINE void sched1(const shani_ctx *c, __m128i *m, uint32_t *wk, int i)
{
    __m128i r;
    switch (i) {
    case 4: /* msg1(M0,M1) + alignr(M3,M2) where W9..W12 = 0 */
        r = _mm_sha256msg2_epu32(_mm_sha256msg1_epu32(m[0], _mm_set_epi32(0, 0, 0, (int)0x80000000u)),
                                 _mm_set_epi32(640, 0, 0, 0));
        break;
    case 5:
        r = _mm_sha256msg2_epu32(c->c5, m[4]);
        break;
    case 6: /* msg1(M2,M3) = 0 */
        r = _mm_sha256msg2_epu32(_mm_alignr_epi8(m[5], m[4], 4), m[5]);
        break;
    case 7:
        r = _mm_sha256msg2_epu32(_mm_add_epi32(c->c7, _mm_alignr_epi8(m[6], m[5], 4)), m[6]);
        break;
    default:
        r = sched(m[i - 4], m[i - 3], m[i - 2], m[i - 1]);
        break;
    }
    m[i] = r;
    _mm_store_si128((__m128i *)&wk[4 * i], _mm_add_epi32(r, kvec(i)));
}

/* Hash-2 schedule vector i (4..15). */
SHA_INLINE void sched2(const shani_ctx *c, __m128i *m, uint32_t *wk, int i)
{
    __m128i r;
    switch (i) {
    case 4: /* alignr(M3,M2) = [W9..W12] = 0 */
        r = _mm_sha256msg2_epu32(_mm_sha256msg1_epu32(m[0], m[1]), c->m3_2);
        break;
    case 5:
        r = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(m[1], c->m2_2),
                                               _mm_alignr_epi8(m[4], c->m3_2, 4)), m[4]);
        break;
    case 6:
        r = _mm_sha256msg2_epu32(_mm_add_epi32(c->c6_2, _mm_alignr_epi8(m[5], m[4], 4)), m[5]);
        break;
    case 7:
        r = sched(c->m3_2, m[4], m[5], m[6]);
        break;
    default:
        r = sched(m[i - 4], m[i - 3], m[i - 2], m[i - 1]);
        break;
    }
    m[i] = r;
    _mm_store_si128((__m128i *)&wk[4 * i], _mm_add_epi32(r, kvec(i)));
}

/* Two rounds: (x = ABEF, y = CDGH) -> new ABEF in x, old ABEF becomes CDGH. */
#define RND2(x, y, wkp)                                                                  \
    do {                                                                                 \
        __m128i t_ = _mm_sha256rnds2_epu32((y), (x), _mm_loadl_epi64((const __m128i *)(wkp))); \
        (y) = (x);                                                                       \
        (x) = t_;                                                                        \
    } while (0)

SHA_INLINE int shani_scan(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out,
                          const int N)
{
    shani_ctx c;
    __attribute__((aligned(16))) uint32_t wk1[MAXN][64];
    __attribute__((aligned(16))) uint32_t wk2[MAXN][64];
    __m128i nv[MAXN];
    const uint32_t t7 = p->target[7];
    const uint64_t end = (uint64_t)start + count;

    ctx_init(p, &c);
    for (int s = 0; s < N; s++) {
        for (int t = 4; t < 16; t++) wk1[s][t] = p->w[t] + tally_sha256_K[t];
        wk2[s][8] = 0x80000000u + tally_sha256_K[8];
        for (int t = 9; t < 15; t++) wk2[s][t] = tally_sha256_K[t];
        wk2[s][15] = 256u + tally_sha256_K[15];
        nv[s] = _mm_set1_epi32((int)(start + (uint32_t)s));
    }
    const __m128i nstep = _mm_set1_epi32(N);

    for (uint64_t base = start; base < end; base += (uint64_t)N) {
        __m128i x[MAXN], y[MAXN];
        __m128i m[MAXN][16];

        /* ---- hash 1, second block ---- */
        UNROLL for (int s = 0; s < N; s++) {
            x[s] = _mm_add_epi32(c.abef3, _mm_shuffle_epi8(nv[s], c.bsw_ae));
            y[s] = c.cdgh3;
            m[s][0] = _mm_add_epi32(c.m0base, _mm_shuffle_epi8(nv[s], c.bsw_m0));
            nv[s] = _mm_add_epi32(nv[s], nstep);
        }
        UNROLL for (int g = 1; g < 16; g++) {
            const int i = g + LOOKAHEAD;
            if (i >= 4 && i < 16) {
                UNROLL for (int s = 0; s < N; s++) sched1(&c, m[s], wk1[s], i);
            }
            UNROLL for (int s = 0; s < N; s++) RND2(x[s], y[s], &wk1[s][4 * g]);
            UNROLL for (int s = 0; s < N; s++) RND2(x[s], y[s], &wk1[s][4 * g + 2]);
        }

        /* ---- hash 2 ---- */
        UNROLL for (int s = 0; s < N; s++) {
            __m128i abef = _mm_add_epi32(x[s], c.mid_abef);
            __m128i cdgh = _mm_add_epi32(y[s], c.mid_cdgh);
            /* message words W0..W7 = H0..H7 */
            m[s][0] = _mm_shuffle_epi32(_mm_unpackhi_epi64(abef, cdgh), 0xB1);
            m[s][1] = _mm_shuffle_epi32(_mm_unpacklo_epi64(abef, cdgh), 0xB1);
            _mm_store_si128((__m128i *)&wk2[s][0], _mm_add_epi32(m[s][0], kvec(0)));
            _mm_store_si128((__m128i *)&wk2[s][4], _mm_add_epi32(m[s][1], kvec(1)));
            /* round 0 folded: W0 (= A) into lanes a and e */
            __m128i w0 = _mm_blend_epi16(_mm_shuffle_epi32(abef, 0xFF), _mm_setzero_si128(), 0x33);
            x[s] = _mm_add_epi32(w0, c.x2add);
            y[s] = c.cdgh2;
        }
        UNROLL for (int g = 0; g < 15; g++) {
            const int i = g + 1 + LOOKAHEAD;
            if (i >= 4 && i < 16) {
                UNROLL for (int s = 0; s < N; s++) sched2(&c, m[s], wk2[s], i);
            }
            UNROLL for (int s = 0; s < N; s++) RND2(x[s], y[s], &wk2[s][4 * g + 1]);
            UNROLL for (int s = 0; s < N; s++) RND2(x[s], y[s], &wk2[s][4 * g + 3]);
        }

        /* ---- early reject on H7 = IV7 + e(round 60) ---- */
        uint32_t h7[MAXN];
        UNROLL for (int s = 0; s < N; s++)
            h7[s] = (uint32_t)_mm_extract_epi32(_mm_add_epi32(x[s], c.iv7), 1);
        int any = 0;
        UNROLL for (int s = 0; s < N; s++) any |= tally_bswap32(h7[s]) <= t7;
        if (__builtin_expect(any, 0)) {
            for (int s = 0; s < N; s++) {
                uint64_t n = base + (uint64_t)s;
                if (n < end && tally_bswap32(h7[s]) <= t7 && tally_check_nonce(p, (uint32_t)n)) {
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

SHA_TARGET int tally_kernel_shani4(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out)
{
    return shani_scan(p, start, count, nonce_out, 4);
}

SHA_TARGET int tally_kernel_shani6(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out)
{
    return shani_scan(p, start, count, nonce_out, 6);
}

SHA_TARGET int tally_kernel_shani8(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out)
{
    return shani_scan(p, start, count, nonce_out, 8);
}

#endif /* TALLY_X86 */
