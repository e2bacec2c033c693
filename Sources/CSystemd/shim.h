#ifndef CSYSTEMD_SHIM_H
#define CSYSTEMD_SHIM_H

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <errno.h>
#include <stdint.h>
#include <time.h>

/* Macros and inline helpers Swift cannot import, wrapped as functions (see FACTS.md, "C interop"). */

/// CLOCK_MONOTONIC in microseconds, the clock systemd expects in MONOTONIC_USEC= (sd_notify(3)).
static inline uint64_t csd_monotonic_usec(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

/// errno of the calling thread (a macro in glibc).
static inline int csd_errno(void) { return errno; }

#endif
