/* fold.c -- the daemon's own folding for the national data set
 * (tests/bench/national.py): core/fold's fold_text, the function behind the
 * SQL fold_text() that fills members.name_folded, so the generated names
 * are folded exactly as taawund folds them (no second implementation to
 * drift). One text per line on stdin, its folded form per line on stdout.
 *
 * Usage: bench_fold < names.txt */

#include <stdio.h>
#include <string.h>

#include "core/fold.h"
#include "core/limits.h"

int main(void)
{
    char line[FOLDED_NAME_MAX], out[FOLDED_NAME_MAX];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strcspn(line, "\n");
        fold_text(line, n, out, sizeof out);
        if (printf("%s\n", out) < 0)
            return 1;
    }
    return ferror(stdin) || fflush(stdout) != 0 ? 1 : 0;
}
