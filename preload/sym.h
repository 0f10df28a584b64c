/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_SYM_H
#define TS_SYM_H

/* One id per exported function (symbols.def).  No libc header here: interpose.c includes this. */
typedef enum ts_sym {
#define TS_SYMBOL(name, kind) TS_ID_##name,
#include "symbols.def"
#undef TS_SYMBOL
    TS_ID_COUNT
} ts_sym;

#endif
