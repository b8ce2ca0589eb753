/* The low-level SHA256_* calls are several times faster than EVP for short inputs and are
   the only way to reach the midstate; OpenSSL 3 marks them deprecated, so silence that here. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
