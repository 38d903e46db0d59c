// The cost of first touching fresh anonymous memory (what keeping a query's decoded masks for
// its indexing after the answer would cost): maps N MiB, writes one byte per 4 KB page, unmaps;
// 6 rounds. Session 10 (2026-12-06), 9 MiB, at two times of the session: 3.2–3.5 and
// 4.6–5.0 ms a round (1.4–2.2 µs a page: 17–27 µs for a 224×224 mask's 12.25 pages, against
// ~11 µs of CPU to decode the mask again); 4.1–4.9 ms with MAP_POPULATE.
//
//   cc -O2 -o fresh_pages fresh_pages.c && ./fresh_pages 9 0 && ./fresh_pages 9 1
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s MIB POPULATE(0|1)\n", argv[0]); return 2; }
    size_t n = (size_t)atoi(argv[1]) << 20;
    int populate = atoi(argv[2]);
    for (int round = 0; round < 6; round++) {
        double t = now_ms();
        char *p = mmap(0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
        if (p == MAP_FAILED) { perror("mmap"); return 1; }
        for (size_t i = 0; i < n; i += 4096) p[i] = 1;
        double ms = now_ms() - t;
        munmap(p, n);
        printf("%zu MiB populate=%d: %.3f ms (%.2f us a page)\n", n >> 20, populate, ms, ms * 1000 / (n / 4096));
    }
    return 0;
}
