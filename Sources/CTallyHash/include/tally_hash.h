/*
 * tally_hash.h - proof-of-work hashing kernel for Tally.
 *
 * Double SHA-256 ("SHA256d") of an 80-byte block header whose last four bytes
 * (76..79) are the nonce, stored as a little-endian uint32.  The resulting
 * 32-byte digest is read as a 256-bit little-endian number (digest byte 31 is
 * the most significant) and compared with a target of the same form.
 *
 * Self-contained: depends only on <stdint.h>.
 */
#ifndef TALLY_HASH_H
#define TALLY_HASH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SHA-256 state after compressing the first 64 bytes of a header. */
void tally_sha256_midstate(const uint8_t first64[64], uint32_t midstate[8]);

/* Reference: SHA256d of an 80-byte header into out (digest bytes in order). Portable C. */
void tally_sha256d_80(const uint8_t header[80], uint8_t out[32]);

typedef struct {
    uint32_t midstate[8];      /* from tally_sha256_midstate */
    uint8_t  tail[12];         /* header bytes 64..75 as on the wire */
    uint32_t target[8];        /* target as little-endian 32-bit words; target[7] most significant */
} tally_scan_job;

/* Hashes nonces start, start+1, ..., start+count-1 (requires start+count <= 2^32), stopping at
   the first whose SHA256d, as a 256-bit little-endian number, is <= target. Returns 1 and writes
   the nonce, or 0 if none in the range. Safe to call from several threads at once (no globals
   written after initialisation; the dispatch choice is cached in a static computed once). */
int tally_scan(const tally_scan_job *job, uint32_t start, uint32_t count, uint32_t *nonce_out);

/* Names of the implementations available on this CPU, and selection for tests and benchmarks. */
const char *tally_scan_implementation(void);            /* the one tally_scan uses now */
int tally_scan_select(const char *name);                /* 1 if available and selected, else 0 */
int tally_scan_available(int index, const char **name); /* enumerate: 1 and *name while index valid */

#ifdef __cplusplus
}
#endif

#endif /* TALLY_HASH_H */
