/* SPDX-License-Identifier: Apache-2.0 */
/* placeholder until the CLI lands */
#include <stdio.h>

int main(void)
{
    puts("trustshim 0.1.0");
    return 0;
}
