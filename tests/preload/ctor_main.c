/* SPDX-License-Identifier: Apache-2.0 */
/* Prints what the constructor of ts_preload_ctor read, then reads the same path again. */
#include <stdio.h>
#include <stdlib.h>

extern char ts_ctor_result[128];
void ts_ctor_read(const char *path, char *out, size_t size);

int main(void)
{
    char again[128];
    const char *p = getenv("TS_CTOR_PATH");

    printf("constructor: %s\n", ts_ctor_result);
    ts_ctor_read(p != NULL ? p : "/nonexistent", again, sizeof(again));
    printf("main: %s\n", again);
    return 0;
}
