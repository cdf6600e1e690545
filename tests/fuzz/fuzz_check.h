/* fuzz_check.h -- CHECK(cond), the one assertion every fuzz target uses:
 * unlike assert() it stays on under NDEBUG, names the file, line and
 * condition on stderr, and aborts so libFuzzer (or the corpus replay in
 * make test) reports the input as a crash. */
#ifndef TAAWUN_FUZZ_CHECK_H
#define TAAWUN_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
