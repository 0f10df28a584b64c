/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libtrustshim.so's ts_crypto_get (core/crypto.h): libcrypto is not linked
 * in, so that a JVM served only JKS, JCEKS or password-less PKCS12 stores and
 * PEM certificates never maps it (about 1.3 MiB, docs/performance.md).  The
 * first store that needs it (a PKCS12 MAC or encryption, PKCS#7 or BER input,
 * a certificate description) loads libtrustshim-crypto.so, which is linked
 * against libcrypto.so.3 and exports one symbol, its table, from the directory
 * libtrustshim.so itself was loaded from (dladdr; ld.so's $ORIGIN when that
 * name is relative), with RTLD_NOW | RTLD_LOCAL: nothing of it or of
 * libcrypto is bound to the program's own symbols.
 *
 * Called only inside a build, under the build lock (serve.c), so fork()
 * never copies a loader or OpenSSL lock held by a building thread (shim.c's
 * atfork handler waits for the lock).  Never unloaded: libcrypto 3 pins itself
 * anyway, and a second dlopen of libtrustshim.so finds the module still there.
 * A failure is remembered and reported by every build that needs the module:
 * each serves its original file and logs why (serve.c).
 */
#include "crypto.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* glibc >= 2.34 binds these to GLIBC_2.34, which glibc 2.28 lacks (as dlsym, libc.c). */
#if defined(__x86_64__)
__asm__(".symver dlopen,dlopen@GLIBC_2.2.5");
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
__asm__(".symver dladdr,dladdr@GLIBC_2.2.5");
__asm__(".symver dlerror,dlerror@GLIBC_2.2.5");
__asm__(".symver dlclose,dlclose@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver dlopen,dlopen@GLIBC_2.17");
__asm__(".symver dlsym,dlsym@GLIBC_2.17");
__asm__(".symver dladdr,dladdr@GLIBC_2.17");
__asm__(".symver dlerror,dlerror@GLIBC_2.17");
__asm__(".symver dlclose,dlclose@GLIBC_2.17");
#endif

#define MODULE "libtrustshim-crypto.so"

static const ts_crypto *module_table;
static char module_error[sizeof(((ts_error *)0)->what)];

/* The module's path: beside this library. */
static void module_path(char *out, size_t size)
{
    Dl_info info;
    const char *slash;

    if (dladdr((void *)&ts_crypto_get, &info) != 0 && info.dli_fname != NULL &&
        info.dli_fname[0] == '/' && (slash = strrchr(info.dli_fname, '/')) != NULL &&
        (size_t)(slash - info.dli_fname) + sizeof(MODULE) + 1 <= size) {
        snprintf(out, size, "%.*s/%s", (int)(slash - info.dli_fname), info.dli_fname, MODULE);
        return;
    }
    snprintf(out, size, "$ORIGIN/%s", MODULE);
}

static void module_load(void)
{
    char path[PATH_MAX + sizeof(MODULE)];
    void *h;
    const ts_crypto *const *table;
    const char *e;

    module_path(path, sizeof(path));
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        e = dlerror();
        /* dlerror names the path */
        snprintf(module_error, sizeof(module_error), "this store needs libcrypto: %s",
                 e != NULL ? e : "cannot load " MODULE);
        return;
    }
    table = (const ts_crypto *const *)dlsym(h, "ts_crypto_module");
    if (table == NULL || *table == NULL || (*table)->abi != TS_CRYPTO_ABI) {
        snprintf(module_error, sizeof(module_error),
                 "this store needs libcrypto, and the " MODULE " beside libtrustshim.so is not "
                 "of its build");
        dlclose(h);
        return;
    }
    __atomic_store_n(&module_table, *table, __ATOMIC_RELEASE);
}

const ts_crypto *ts_crypto_get(ts_error *err)
{
    const ts_crypto *t = __atomic_load_n(&module_table, __ATOMIC_ACQUIRE);

    if (t == NULL && module_error[0] == '\0') {
        module_load();
        t = __atomic_load_n(&module_table, __ATOMIC_ACQUIRE);
    }
    if (t == NULL) {
        ts_error_set(err, "", "%s", module_error);
    }
    return t;
}
