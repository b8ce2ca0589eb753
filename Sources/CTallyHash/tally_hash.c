/*
 * tally_hash.c - portable SHA-256 pieces, per-scan precomputation, the portable
 * scan kernel and the run-time dispatch between kernels.
 */
#include <stddef.h>
#include <string.h>
#include "tally_hash_internal.h"

const uint32_t tally_sha256_K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

const uint32_t tally_sha256_IV[8] = {
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au, 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
};

static inline uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Expand W[16..last] in place. */
static inline void expand(uint32_t *w, int last)
{
    for (int t = 16; t <= last; t++)
        w[t] = TALLY_SSIG1(w[t - 2]) + w[t - 7] + TALLY_SSIG0(w[t - 15]) + w[t - 16];
}

/* Rounds first..last on state s[8] = a..h with message words w[]. */
static inline void rounds(uint32_t s[8], const uint32_t *w, int first, int last)
{
    uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (int t = first; t <= last; t++) {
        uint32_t t1 = h + TALLY_BSIG1(e) + TALLY_CH(e, f, g) + tally_sha256_K[t] + w[t];
        uint32_t t2 = TALLY_BSIG0(a) + TALLY_MAJ(a, b, c);
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    s[0] = a; s[1] = b; s[2] = c; s[3] = d; s[4] = e; s[5] = f; s[6] = g; s[7] = h;
}

/* Full compression of one block given as 16 message words. */
static void compress_words(uint32_t h[8], const uint32_t m[16])
{
    uint32_t w[64], s[8];
    memcpy(w, m, 16 * sizeof(uint32_t));
    expand(w, 63);
    memcpy(s, h, sizeof s);
    rounds(s, w, 0, 63);
    for (int i = 0; i < 8; i++) h[i] += s[i];
}

void tally_sha256_midstate(const uint8_t first64[64], uint32_t midstate[8])
{
    uint32_t m[16];
    for (int i = 0; i < 16; i++) m[i] = load_be32(first64 + 4 * i);
    memcpy(midstate, tally_sha256_IV, 8 * sizeof(uint32_t));
    compress_words(midstate, m);
}

void tally_sha256d_80(const uint8_t header[80], uint8_t out[32])
{
    uint32_t h[8], m[16];
    tally_sha256_midstate(header, h);
    for (int i = 0; i < 4; i++) m[i] = load_be32(header + 64 + 4 * i);
    m[4] = 0x80000000u;
    for (int i = 5; i < 15; i++) m[i] = 0;
    m[15] = 640; /* 80 bytes in bits */
    compress_words(h, m);

    for (int i = 0; i < 8; i++) m[i] = h[i];
    m[8] = 0x80000000u;
    for (int i = 9; i < 15; i++) m[i] = 0;
    m[15] = 256; /* 32 bytes in bits */
    memcpy(h, tally_sha256_IV, sizeof h);
    compress_words(h, m);
    for (int i = 0; i < 8; i++) store_be32(out + 4 * i, h[i]);
}

void tally_prepare(const tally_scan_job *job, tally_prep *p)
{
    memcpy(p->mid, job->midstate, sizeof p->mid);
    memcpy(p->target, job->target, sizeof p->target);
    for (int i = 0; i < 3; i++) p->w[i] = load_be32(job->tail + 4 * i);
    p->w[3] = 0;
    p->w[4] = 0x80000000u;
    for (int i = 5; i < 15; i++) p->w[i] = 0;
    p->w[15] = 640;
    memcpy(p->st3, p->mid, sizeof p->st3);
    rounds(p->st3, p->w, 0, 3);
}

/* Compares a digest (words H0..H7 as produced by SHA-256) with the target:
   the digest as a little-endian 256-bit number has word i = bswap32(H[i]). */
static int meets_target(const uint32_t h[8], const uint32_t target[8])
{
    for (int i = 7; i >= 0; i--) {
        uint32_t v = tally_bswap32(h[i]);
        if (v < target[i]) return 1;
        if (v > target[i]) return 0;
    }
    return 1; /* equal */
}

int tally_check_nonce(const tally_prep *p, uint32_t nonce)
{
    uint32_t h[8], m[16];
    memcpy(h, p->mid, sizeof h);
    memcpy(m, p->w, sizeof m);
    m[3] = tally_bswap32(nonce);
    compress_words(h, m);
    for (int i = 0; i < 8; i++) m[i] = h[i];
    m[8] = 0x80000000u;
    for (int i = 9; i < 15; i++) m[i] = 0;
    m[15] = 256;
    memcpy(h, tally_sha256_IV, sizeof h);
    compress_words(h, m);
    return meets_target(h, p->target);
}

/* ---------------------------------------------------------------------------------------------
 * Portable scan kernel: midstate, precomputed rounds 0..3, constant message words, early reject
 * on H7 after round 60 of the second hash.
 * ------------------------------------------------------------------------------------------- */
int tally_kernel_portable(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out)
{
    uint32_t w1[64], w2[64];
    const uint32_t t7 = p->target[7];
    memcpy(w1, p->w, 16 * sizeof(uint32_t));
    /* W16, W17 do not depend on W3. */
    expand(w1, 17);
    for (int i = 8; i < 16; i++) w2[i] = 0;
    w2[8] = 0x80000000u;
    w2[15] = 256;

    for (uint64_t n = start, end = (uint64_t)start + count; n < end; n++) {
        uint32_t nw = tally_bswap32((uint32_t)n);
        uint32_t s[8];
        w1[3] = nw;
        for (int t = 18; t < 64; t++)
            w1[t] = TALLY_SSIG1(w1[t - 2]) + w1[t - 7] + TALLY_SSIG0(w1[t - 15]) + w1[t - 16];
        memcpy(s, p->st3, sizeof s);
        s[0] += nw;
        s[4] += nw;
        rounds(s, w1, 4, 63);
        for (int i = 0; i < 8; i++) w2[i] = p->mid[i] + s[i];
        expand(w2, 60);
        memcpy(s, tally_sha256_IV, sizeof s);
        rounds(s, w2, 0, 60);
        /* after round 60, e is the h that round 63 would produce */
        if (tally_bswap32(s[4] + tally_sha256_IV[7]) <= t7 && tally_check_nonce(p, (uint32_t)n)) {
            *nonce_out = (uint32_t)n;
            return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * CPU feature detection and dispatch.
 * ------------------------------------------------------------------------------------------- */
#if TALLY_X86
#include <cpuid.h>

enum { F_SHA = 1, F_AVX512 = 2 };

/* cpuid/xgetbv directly rather than __builtin_cpu_supports: equivalent bits, but no link-time
   dependency on the __cpu_model / __cpu_indicator_init symbols of libgcc or compiler-rt, and the
   AVX-512 kernel is only chosen when the OS actually saves the opmask and ZMM state (XCR0). */
static unsigned detect_features(void)
{
    unsigned a, b, c, d, f = 0;
    unsigned max = __get_cpuid_max(0, NULL);
    if (max < 7) return 0;
    __cpuid_count(1, 0, a, b, c, d);
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1, osxsave = (c >> 27) & 1;
    __cpuid_count(7, 0, a, b, c, d);
    int sha = (b >> 29) & 1;
    int avx512f = (b >> 16) & 1, avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    if (sha && ssse3 && sse41) f |= F_SHA;
    if (osxsave && avx512f && avx512bw && avx512vl) {
        unsigned xlo, xhi;
        __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
        /* SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM state enabled by the OS */
        if ((xlo & 0xe6u) == 0xe6u) f |= F_AVX512;
    }
    return f;
}
#endif

typedef struct {
    const char *name;
    tally_kernel_fn fn;
    unsigned needs; /* feature bits */
} impl_desc;

/* In order of preference: the first available entry is the default. Measured on Zen 4 with
   clang -O2: avx512-16way ~32-33 M/s, shani-2way ~28-29 M/s, shani-3way/4way 22-29 M/s (erratic),
   portable ~2.0 M/s per thread (OpenSSL single-stream bound ~13.9 M/s). In builds
   without optimisation (-O0, e.g. SwiftPM debug) the AVX-512 kernel degrades the most (its
   64 zmm W[] values live on the stack), so SHA-NI goes first there. */
static const impl_desc impls[] = {
#if TALLY_X86
#ifdef __OPTIMIZE__
    { "avx512-16way", tally_kernel_avx512, F_AVX512 },
    { "shani-2way", tally_kernel_shani2, F_SHA },
#else
    { "shani-2way", tally_kernel_shani2, F_SHA },
    { "avx512-16way", tally_kernel_avx512, F_AVX512 },
#endif
    { "shani-3way", tally_kernel_shani3, F_SHA },
    { "shani-4way", tally_kernel_shani4, F_SHA },
#endif
    { "portable", tally_kernel_portable, 0 },
};
#define N_IMPLS ((int)(sizeof impls / sizeof impls[0]))

static unsigned cpu_features(void)
{
#if TALLY_X86
    static int cached = -1; /* benign race: every thread computes the same value */
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        v = (int)detect_features();
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return (unsigned)v;
#else
    return 0;
#endif
}

static int impl_ok(int i)
{
    return (impls[i].needs & ~cpu_features()) == 0;
}

static int selected = -1; /* index into impls; -1 = not chosen yet */

static int current_impl(void)
{
    int s = __atomic_load_n(&selected, __ATOMIC_ACQUIRE);
    if (s < 0) {
        for (s = 0; s < N_IMPLS - 1 && !impl_ok(s); s++) {}
        __atomic_store_n(&selected, s, __ATOMIC_RELEASE);
    }
    return s;
}

int tally_scan(const tally_scan_job *job, uint32_t start, uint32_t count, uint32_t *nonce_out)
{
    tally_prep p;
    if (count == 0) return 0;
    tally_prepare(job, &p);
    return impls[current_impl()].fn(&p, start, count, nonce_out);
}

const char *tally_scan_implementation(void)
{
    return impls[current_impl()].name;
}

int tally_scan_select(const char *name)
{
    if (name == NULL) return 0;
    for (int i = 0; i < N_IMPLS; i++) {
        if (strcmp(impls[i].name, name) == 0 && impl_ok(i)) {
            __atomic_store_n(&selected, i, __ATOMIC_RELEASE);
            return 1;
        }
    }
    return 0;
}

int tally_scan_available(int index, const char **name)
{
    if (index < 0) return 0;
    for (int i = 0; i < N_IMPLS; i++) {
        if (!impl_ok(i)) continue;
        if (index-- == 0) {
            if (name) *name = impls[i].name;
            return 1;
        }
    }
    return 0;
}
