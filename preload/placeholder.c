/* SPDX-License-Identifier: Apache-2.0 */
/* placeholder until the interposer lands */
int ts_preload_placeholder(void);
int ts_preload_placeholder(void)
{
    return 0;
}
