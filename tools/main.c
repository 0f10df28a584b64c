/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim: the command line.  The commands are in cmd_<verb>.c; the table in commands.c. */
#include "cli.h"

int main(int argc, char **argv)
{
    return ts_cli_main(argc, argv);
}
