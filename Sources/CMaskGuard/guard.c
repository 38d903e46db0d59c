// SIGBUS on a mapped file → a message naming the file and exit status 1 (see CMaskGuard.h).
#define _GNU_SOURCE
#include "CMaskGuard.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CMG_SLOTS = 8192, CMG_FREE = 0, CMG_BUSY = 1, CMG_LIVE = 2 };

typedef struct {
    int state;              // CMG_FREE, CMG_BUSY (being filled or cleared), CMG_LIVE
    uintptr_t base;
    size_t length;
    char *path;
} cmg_slot;

static cmg_slot slots[CMG_SLOTS];
static char prefix[64];
static int installed;

int cmg_register(const void *base, size_t length, const char *path) {
    char *copy = strdup(path);
    if (copy == NULL) return -1;
    for (int i = 0; i < CMG_SLOTS; i++) {
        int expected = CMG_FREE;
        if (__atomic_compare_exchange_n(&slots[i].state, &expected, CMG_BUSY, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
            slots[i].base = (uintptr_t)base;
            slots[i].length = length;
            slots[i].path = copy;
            __atomic_store_n(&slots[i].state, CMG_LIVE, __ATOMIC_RELEASE);
            return 0;
        }
    }
    free(copy);
    return -1;
}

void cmg_unregister(const void *base) {
    for (int i = 0; i < CMG_SLOTS; i++) {
        if (__atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE) != CMG_LIVE || slots[i].base != (uintptr_t)base) continue;
        int expected = CMG_LIVE;
        if (!__atomic_compare_exchange_n(&slots[i].state, &expected, CMG_BUSY, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) continue;
        char *path = slots[i].path;
        slots[i].path = NULL;
        __atomic_store_n(&slots[i].state, CMG_FREE, __ATOMIC_RELEASE);
        free(path);
        return;
    }
}

int cmg_registered_count(void) {
    int n = 0;
    for (int i = 0; i < CMG_SLOTS; i++) n += __atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE) == CMG_LIVE;
    return n;
}

/// write(2) of a NUL-terminated string (async-signal-safe).
static void put(const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

/// Decimal text of `v` (async-signal-safe).
static void put_number(uint64_t v) {
    char digits[24];
    int i = (int)sizeof digits - 1;
    digits[i] = 0;
    do { digits[--i] = (char)('0' + v % 10); v /= 10; } while (v > 0 && i > 0);
    put(digits + i);
}

static void on_bus_error(int signal, siginfo_t *info, void *context) {
    (void)context;
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int i = 0; i < CMG_SLOTS; i++) {
        if (__atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE) != CMG_LIVE) continue;
        if (address < slots[i].base || address - slots[i].base >= slots[i].length) continue;
        put(prefix);
        put("error: reading ");
        put(slots[i].path ? slots[i].path : "?");
        put(": the file could not be read at byte ");
        put_number(address - slots[i].base);
        put(" of its mapping (SIGBUS: an I/O error, or the file was truncated while it was open); stopped before answering\n");
        _exit(1);
    }
    // Not one of ours: the default action (on return the access faults again), as without
    // the handler.
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigaction(signal, &action, NULL);
}

int cmg_install(const char *text) {
    if (__atomic_exchange_n(&installed, 1, __ATOMIC_ACQ_REL)) return 0;
    strncpy(prefix, text ? text : "", sizeof prefix - 1);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_bus_error;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    return sigaction(SIGBUS, &action, NULL);
}
