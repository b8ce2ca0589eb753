/*
 * Private declarations shared by the CTallyHash implementation files.
 * Not part of the public API (lives outside include/).
 */
#ifndef TALLY_HASH_INTERNAL_H
#define TALLY_HASH_INTERNAL_H

#include <stdint.h>
#include "include/tally_hash.h"

/* x86 kernels (SHA-NI, AVX-512) are built on x86 targets unless TALLY_FORCE_PORTABLE is defined. */
#if !defined(TALLY_FORCE_PORTABLE) && (defined(__x86_64__) || defined(__i386__))
#define TALLY_X86 1
#else
#define TALLY_X86 0
#endif

/* SHA-256 round constants and initial state (defined in tally_hash.c). */
extern const uint32_t tally_sha256_K[64];
extern const uint32_t tally_sha256_IV[8];

#define TALLY_ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define TALLY_BSIG0(x) (TALLY_ROTR((x), 2) ^ TALLY_ROTR((x), 13) ^ TALLY_ROTR((x), 22))
#define TALLY_BSIG1(x) (TALLY_ROTR((x), 6) ^ TALLY_ROTR((x), 11) ^ TALLY_ROTR((x), 25))
#define TALLY_SSIG0(x) (TALLY_ROTR((x), 7) ^ TALLY_ROTR((x), 18) ^ ((x) >> 3))
#define TALLY_SSIG1(x) (TALLY_ROTR((x), 17) ^ TALLY_ROTR((x), 19) ^ ((x) >> 10))
#define TALLY_CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define TALLY_MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))

static inline uint32_t tally_bswap32(uint32_t x)
{
    return (x >> 24) | ((x >> 8) & 0x0000ff00u) | ((x << 8) & 0x00ff0000u) | (x << 24);
}

/*
 * Per-scan precomputation, derived from a tally_scan_job. Everything a kernel
 * needs that does not depend on the nonce.
 *
 * Second block of the header (bytes 64..79 + padding), as message words:
 *   W0..W2 = tail, W3 = bswap32(nonce), W4 = 0x80000000, W5..W14 = 0, W15 = 640.
 * Rounds 0..2 do not depend on the nonce; in round 3 the nonce word enters T1
 * linearly, so the state after round 3 is st3 (computed with W3 = 0) with
 * bswap32(nonce) added to a and e.
 */
typedef struct {
    uint32_t mid[8];     /* midstate H0..H7 */
    uint32_t w[16];      /* block-2 message words with W3 = 0 */
    uint32_t st3[8];     /* a..h after round 3 with W3 = 0 */
    uint32_t target[8];  /* little-endian words, [7] most significant */
} tally_prep;

void tally_prepare(const tally_scan_job *job, tally_prep *p);

/* Full SHA256d for one nonce; returns 1 when the hash is <= target (all 8 words). */
int tally_check_nonce(const tally_prep *p, uint32_t nonce);

/* Kernel signature. count may be 0; start + count <= 2^32. */
typedef int (*tally_kernel_fn)(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out);

int tally_kernel_portable(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out);

#if TALLY_X86
int tally_kernel_shani2(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out);
int tally_kernel_shani4(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out);
int tally_kernel_shani3(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out);
int tally_kernel_avx512(const tally_prep *p, uint32_t start, uint32_t count, uint32_t *nonce_out);
#endif

#endif /* TALLY_HASH_INTERNAL_H */
