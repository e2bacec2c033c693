#ifndef CMNL_SHIM_H
#define CMNL_SHIM_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netconf.h>
#include <poll.h>
#include <pthread.h>
#include <net/if.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/time.h>

/* Macros Swift cannot import, wrapped as functions (see FACTS.md, "C interop"). */

/// MNL_ALIGN(len): attributes are 4-byte aligned.
static inline size_t cmnl_align(size_t len) { return MNL_ALIGN(len); }

/// MNL_NLMSG_HDRLEN: the aligned size of struct nlmsghdr.
static inline size_t cmnl_nlmsg_hdrlen(void) { return MNL_NLMSG_HDRLEN; }

/// errno of the calling thread (a macro in glibc).
static inline int cmnl_errno(void) { return errno; }

/// Seconds since the epoch, to seed netlink sequence numbers as iproute2 does with time(NULL).
static inline uint32_t cmnl_sequence_seed(void) {
    struct timeval now;
    gettimeofday(&now, NULL);
    return (uint32_t)now.tv_sec;
}

/// Names the calling thread (prctl(2) PR_SET_NAME; at most 15 bytes are kept): pthread_setname_np needs _GNU_SOURCE.
static inline void cmnl_set_thread_name(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }

#endif
