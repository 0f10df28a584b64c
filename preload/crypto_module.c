/* SPDX-License-Identifier: Apache-2.0 */
/* libtrustshim-crypto.so: the core's OpenSSL part (core/crypto.h), loaded by
 * libtrustshim.so when a store needs it (crypto_dl.c).  This is its only
 * exported symbol; the version script hides everything else. */
#include "crypto.h"

__attribute__((visibility("default"))) const ts_crypto *const ts_crypto_module = &ts_crypto_ossl;
