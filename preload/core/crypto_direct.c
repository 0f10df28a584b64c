/* SPDX-License-Identifier: Apache-2.0 */
/* The CLI's and the tests' ts_crypto_get: libcrypto is linked in. */
#include "crypto.h"

const ts_crypto *ts_crypto_get(ts_error *err)
{
    (void)err;
    return &ts_crypto_ossl;
}
