// The cost of first touching fresh anonymous memory in huge pages against 4 KB pages (what a
// buffer keeping a query's decoded masks until its indexing after the answer would cost): maps N
// MiB 2 MiB-aligned, `madvise(MADV_HUGEPAGE)` when HUGE is 1, writes one byte per 4 KB, unmaps;
// ROUNDS rounds in one process. Session 11 (2026-12-07), 10 MiB, one round per process, six
// processes: at the session's start (23 GB free, never touched) huge pages 0.18–0.27 µs per 4 KB
// after the first process (3.1 µs in it), 4 KB pages 1.08–1.41 µs; after the 40,000-mask dataset
// and its databases had filled the page cache, huge pages 0.63–1.11 µs, 4 KB pages 1.84–2.07 µs.
//
//   cc -O2 -o huge_pages huge_pages.c && for i in 1 2 3 4 5 6; do ./huge_pages 10 1 1; done
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s MIB HUGE(0|1) ROUNDS\n", argv[0]); return 2; }
    size_t n = (size_t)atoi(argv[1]) << 20, align = 2 << 20;
    int huge = atoi(argv[2]), rounds = atoi(argv[3]);
    for (int round = 0; round < rounds; round++) {
        double t = now_ms();
        char *raw = mmap(0, n + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED) { perror("mmap"); return 1; }
        char *p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
        if (huge) madvise(p, n, MADV_HUGEPAGE);
        for (size_t i = 0; i < n; i += 4096) p[i] = 1;
        double ms = now_ms() - t;
        munmap(raw, n + align);
        printf("%zu MiB huge=%d: %.3f ms (%.2f us a 4 KB page)\n", n >> 20, huge, ms, ms * 1000 / (n / 4096));
    }
    return 0;
}
