// faultshim: an LD_PRELOAD library that counts, crashes at and records the durable effect of
// every "write event" a process makes under one directory (Tests/CLITests/CrashInjection.swift
// compiles it with `clang` (else `cc`) `-shared -fPIC -O1 faultshim.c -ldl -lpthread` and loads it
// into the real `masksearch` binary).
//
// Environment:
//   FI_DIR     absolute directory: only events on paths under it count (others pass through)
//   FI_MODE    count     writes "<events> <syncs>\n" to FI_OUT, updated at every event
//              crash     the FI_N-th event (1-based) is not performed: the process SIGKILLs itself
//              powercut  as count, and keeps in FI_SHADOW what a power cut would leave (below);
//                        the FI_N-th *sync* event is not performed: SIGKILL (FI_N = syncs + 1: none)
//   FI_BOOT_ID a file served instead of /proc/sys/kernel/random/boot_id (any mode, also unset
//              FI_MODE): the processes that run after a simulated power cut are in a new boot
//   FI_LOG     optional: one line per event appended ("<n> <call> <path>")
//   FI_EIO     (any mode, also unset FI_MODE) a substring: read, pread and mmap of a file whose
//              path contains it fail with EIO, as a disk with a bad sector (a mapping of it is
//              refused rather than raising SIGBUS on the faulting page)
//
// Write events: open/openat/creat/fopen that may create or truncate, write, pwrite, writev,
// pwritev, fwrite, fputs, fflush, fclose of a writable stream, ftruncate, truncate, fallocate,
// posix_fallocate, fsync, fdatasync, msync, rename, renameat(2), unlink(at), rmdir, mkdir(at),
// link(at), symlink, copy_file_range, sendfile. Sync events: fsync, fdatasync, msync(MS_SYNC).
// Stores through a shared mapping are not events (msync is).
//
// Power-cut model (FI_SHADOW holds the durable state, by inode number):
//   ino-<i>   the durable content of file i: its content at start, replaced by the whole file at
//             fsync/fdatasync, by the synced range at msync; emptied when the file is created or
//             truncated by open (so a file never synced after creation is empty: the harshest case)
//   dir-<i>   the durable entries of directory i ("f|d <ino> <name>" lines): at start, and at
//             every fsync of the directory; an empty list when it is created by mkdir
// The rebuild (in Swift) takes either the durable entries ("synced names") or the entries at the
// cut ("eager names", as a journal that committed every name change but no data), each file with
// its durable content.
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define REAL(name, ret, ...) \
    static ret (*real_##name)(__VA_ARGS__); \
    if (!real_##name) real_##name = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

enum { MODE_NONE, MODE_COUNT, MODE_CRASH, MODE_POWERCUT };
static int mode = MODE_NONE;
static const char *dir = NULL;
static size_t dir_len = 0;
static long target = 0;
static long events = 0, syncs = 0;
static int out_fd = -1, log_fd = -1;
static const char *shadow = NULL, *boot_id = NULL, *eio = NULL;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

// ---- paths -------------------------------------------------------------------------------

static int under_dir(const char *p) {
    return dir && strncmp(p, dir, dir_len) == 0 && (p[dir_len] == '/' || p[dir_len] == 0);
}

static int fd_path(int fd, char *buf, size_t size) {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, buf, size - 1);
    if (n < 0) return -1;
    buf[n] = 0;
    return 0;
}

// The absolute form of `p` relative to `dirfd` (AT_FDCWD: the working directory).
static void resolve(int dirfd, const char *p, char *buf, size_t size) {
    if (p[0] == '/') { snprintf(buf, size, "%s", p); return; }
    char base[PATH_MAX];
    if (dirfd == AT_FDCWD) { if (!getcwd(base, sizeof base)) base[0] = 0; }
    else if (fd_path(dirfd, base, sizeof base) != 0) base[0] = 0;
    snprintf(buf, size, "%s/%s", base, p);
}

static int traced_fd(int fd, char *buf) {
    return dir && fd >= 0 && fd_path(fd, buf, PATH_MAX) == 0 && under_dir(buf);
}

// ---- events ------------------------------------------------------------------------------

static void die(void) {
    kill(getpid(), SIGKILL);
    for (;;) pause();
}

static void record(void) {
    if (out_fd < 0) return;
    char line[64];
    int n = snprintf(line, sizeof line, "%ld %ld\n", events, syncs);
    REAL(pwrite, ssize_t, int, const void *, size_t, off_t);
    real_pwrite(out_fd, line, (size_t)n, 0);
}

static void log_event(long n, const char *call, const char *path) {
    if (log_fd < 0) return;
    char line[PATH_MAX + 64];
    int len = snprintf(line, sizeof line, "%ld %s %s\n", n, call, path);
    REAL(write, ssize_t, int, const void *, size_t);
    real_write(log_fd, line, (size_t)len);
}

// Counts one event on a traced path; in crash mode dies instead of letting the n-th happen.
static void event(const char *call, const char *path, int is_sync) {
    pthread_mutex_lock(&lock);
    long n = ++events;
    long s = is_sync ? ++syncs : syncs;
    log_event(n, call, path);
    if ((mode == MODE_CRASH && n >= target) || (mode == MODE_POWERCUT && is_sync && s >= target)) die();
    record();
    pthread_mutex_unlock(&lock);
}

static void path_event(const char *call, int dirfd, const char *p) {
    if (!dir || !p) return;
    char abs[PATH_MAX];
    resolve(dirfd, p, abs, sizeof abs);
    if (under_dir(abs)) event(call, abs, 0);
}

static void fd_event(const char *call, int fd) {
    char p[PATH_MAX];
    if (traced_fd(fd, p)) event(call, p, 0);
}

// ---- the durable shadow (power-cut mode) -----------------------------------------------------

static void shadow_name(char *buf, const char *kind, ino_t ino) {
    snprintf(buf, PATH_MAX, "%s/%s-%lu", shadow, kind, (unsigned long)ino);
}

// Copies `len` bytes at `off` of `fd` into the shadow of inode `ino` (len < 0: the whole file,
// and the shadow takes its size).
static void shadow_copy(int written, ino_t ino, off_t off, long len) {
    char name[PATH_MAX];
    shadow_name(name, "ino", ino);
    REAL(open, int, const char *, int, ...);
    REAL(pwrite, ssize_t, int, const void *, size_t, off_t);
    REAL(ftruncate, int, int, off_t);
    // `written` may be write-only: read through a descriptor of our own on the same file.
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", written);
    int fd = real_open(self, O_RDONLY);
    if (fd < 0) return;
    int out = real_open(name, O_WRONLY | O_CREAT, 0644);
    if (out < 0) { close(fd); return; }
    if (len < 0) {
        struct stat st;
        fstat(fd, &st);
        off = 0;
        len = (long)st.st_size;
        real_ftruncate(out, st.st_size);
    }
    char buf[1 << 16];
    for (long done = 0; done < len;) {
        ssize_t n = pread(fd, buf, (size_t)(len - done < (long)sizeof buf ? len - done : (long)sizeof buf), off + done);
        if (n <= 0) break;
        real_pwrite(out, buf, (size_t)n, off + done);
        done += n;
    }
    close(out);
    close(fd);
}

static void shadow_empty(const char *kind, ino_t ino) {
    char name[PATH_MAX];
    shadow_name(name, kind, ino);
    REAL(open, int, const char *, int, ...);
    int out = real_open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out >= 0) close(out);
}

// Writes the entries of directory `path` (inode `ino`) as its durable list.
static void shadow_list(const char *path, ino_t ino) {
    char name[PATH_MAX];
    shadow_name(name, "dir", ino);
    REAL(fopen, FILE *, const char *, const char *);
    REAL(fclose, int, FILE *);
    FILE *out = real_fopen(name, "w");
    DIR *d = opendir(path);
    if (!out || !d) { if (out) real_fclose(out); if (d) closedir(d); return; }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (e->d_type != DT_DIR && e->d_type != DT_REG) continue;
        fprintf(out, "%c %lu %s\n", e->d_type == DT_DIR ? 'd' : 'f', (unsigned long)e->d_ino, e->d_name);
    }
    closedir(d);
    real_fclose(out);
}

// The start state is durable: every directory's entries and every file's content.
static void shadow_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISREG(st.st_mode)) {
        int fd = open(path, O_RDONLY);
        if (fd >= 0) { shadow_copy(fd, st.st_ino, 0, -1); close(fd); }
        return;
    }
    if (!S_ISDIR(st.st_mode)) return;
    shadow_list(path, st.st_ino);
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    char child[PATH_MAX];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        shadow_tree(child);
    }
    closedir(d);
}

// After an fsync/fdatasync of `fd` (traced, at `path`): its content or entries are durable.
static void shadow_sync(int fd, const char *path) {
    if (mode != MODE_POWERCUT) return;
    struct stat st;
    if (fstat(fd, &st) != 0) return;
    pthread_mutex_lock(&lock);
    if (S_ISDIR(st.st_mode)) shadow_list(path, st.st_ino);
    else if (S_ISREG(st.st_mode)) shadow_copy(fd, st.st_ino, 0, -1);
    pthread_mutex_unlock(&lock);
}

// A file created or truncated by open: nothing of it is durable yet.
static void shadow_created(int fd, int flags) {
    if (mode != MODE_POWERCUT || fd < 0 || !(flags & (O_CREAT | O_TRUNC))) return;
    struct stat st;
    char p[PATH_MAX];
    if (!traced_fd(fd, p) || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 0) return;
    shadow_empty("ino", st.st_ino);
}

// ---- shared writable mappings (msync is a sync of the mapped range) --------------------------

#define MAX_MAPS 256
static struct map { char *base; size_t len; off_t off; int fd; ino_t ino; } maps[MAX_MAPS];

static void map_add(void *base, size_t len, off_t off, int fd) {
    struct stat st;
    char p[PATH_MAX];
    if (base == MAP_FAILED || !traced_fd(fd, p) || fstat(fd, &st) != 0) return;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAX_MAPS; i++) {
        if (maps[i].base) continue;
        maps[i] = (struct map){(char *)base, len, off, dup(fd), st.st_ino};
        break;
    }
    pthread_mutex_unlock(&lock);
}

static struct map *map_find(const void *addr) {
    for (int i = 0; i < MAX_MAPS; i++) {
        if (maps[i].base && (const char *)addr >= maps[i].base && (const char *)addr < maps[i].base + maps[i].len) return &maps[i];
    }
    return NULL;
}

// ---- setup -------------------------------------------------------------------------------

__attribute__((constructor)) static void setup(void) {
    dir = getenv("FI_DIR");
    if (dir) dir_len = strlen(dir);
    boot_id = getenv("FI_BOOT_ID");
    eio = getenv("FI_EIO");
    const char *m = getenv("FI_MODE"), *n = getenv("FI_N"), *out = getenv("FI_OUT"), *lg = getenv("FI_LOG");
    if (!dir || !m) { dir = NULL; return; }
    mode = !strcmp(m, "count") ? MODE_COUNT : !strcmp(m, "crash") ? MODE_CRASH : !strcmp(m, "powercut") ? MODE_POWERCUT : MODE_NONE;
    target = n ? atol(n) : 0;
    shadow = getenv("FI_SHADOW");
    if (mode == MODE_POWERCUT && !shadow) mode = MODE_COUNT;
    REAL(open, int, const char *, int, ...);
    if (out) out_fd = real_open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (lg) log_fd = real_open(lg, O_WRONLY | O_CREAT | O_APPEND, 0644);
    record();
    if (mode == MODE_POWERCUT) shadow_tree(dir);
}

static int creating(int flags) { return (flags & (O_CREAT | O_TRUNC)) != 0; }

static const char *boot_redirect(const char *p) {
    return boot_id && p && !strcmp(p, "/proc/sys/kernel/random/boot_id") ? boot_id : p;
}

// ---- interposed calls --------------------------------------------------------------------

#define OPEN_MODE(flags) \
    mode_t md = 0; \
    if ((flags) & (O_CREAT | __O_TMPFILE)) { va_list ap; va_start(ap, flags); md = va_arg(ap, mode_t); va_end(ap); }

int open(const char *p, int flags, ...) {
    OPEN_MODE(flags);
    REAL(open, int, const char *, int, ...);
    if (creating(flags)) path_event("open", AT_FDCWD, p);
    int fd = real_open(boot_redirect(p), flags, md);
    shadow_created(fd, flags);
    return fd;
}
int open64(const char *p, int flags, ...) {  // the same call as open on 64-bit Linux
    OPEN_MODE(flags);
    return open(p, flags, md);
}
int openat(int dfd, const char *p, int flags, ...) {
    OPEN_MODE(flags);
    REAL(openat, int, int, const char *, int, ...);
    if (creating(flags)) path_event("openat", dfd, p);
    int fd = real_openat(dfd, boot_redirect(p), flags, md);
    shadow_created(fd, flags);
    return fd;
}
int openat64(int dfd, const char *p, int flags, ...) {
    OPEN_MODE(flags);
    return openat(dfd, p, flags, md);
}
int creat(const char *p, mode_t md) { return open(p, O_WRONLY | O_CREAT | O_TRUNC, md); }

FILE *fopen(const char *p, const char *m) {
    REAL(fopen, FILE *, const char *, const char *);
    int writes = strpbrk(m, "wa+") != NULL;
    if (writes) path_event("fopen", AT_FDCWD, p);
    FILE *f = real_fopen(p, m);
    if (f && strchr(m, 'w')) shadow_created(fileno(f), O_TRUNC);
    return f;
}
FILE *fopen64(const char *p, const char *m) { return fopen(p, m); }

ssize_t write(int fd, const void *b, size_t n) {
    REAL(write, ssize_t, int, const void *, size_t);
    fd_event("write", fd);
    return real_write(fd, b, n);
}
ssize_t pwrite(int fd, const void *b, size_t n, off_t o) {
    REAL(pwrite, ssize_t, int, const void *, size_t, off_t);
    fd_event("pwrite", fd);
    return real_pwrite(fd, b, n, o);
}
ssize_t pwrite64(int fd, const void *b, size_t n, off_t o) { return pwrite(fd, b, n, o); }
ssize_t writev(int fd, const struct iovec *v, int c) {
    REAL(writev, ssize_t, int, const struct iovec *, int);
    fd_event("writev", fd);
    return real_writev(fd, v, c);
}
ssize_t pwritev(int fd, const struct iovec *v, int c, off_t o) {
    REAL(pwritev, ssize_t, int, const struct iovec *, int, off_t);
    fd_event("pwritev", fd);
    return real_pwritev(fd, v, c, o);
}
ssize_t pwritev64(int fd, const struct iovec *v, int c, off_t o) { return pwritev(fd, v, c, o); }

size_t fwrite(const void *b, size_t s, size_t n, FILE *f) {
    REAL(fwrite, size_t, const void *, size_t, size_t, FILE *);
    fd_event("fwrite", fileno(f));
    return real_fwrite(b, s, n, f);
}
int fputs(const char *s, FILE *f) {
    REAL(fputs, int, const char *, FILE *);
    fd_event("fputs", fileno(f));
    return real_fputs(s, f);
}
int fflush(FILE *f) {
    REAL(fflush, int, FILE *);
    if (f) fd_event("fflush", fileno(f));
    return real_fflush(f);
}
int fclose(FILE *f) {
    REAL(fclose, int, FILE *);
    fd_event("fclose", fileno(f));
    return real_fclose(f);
}

int ftruncate(int fd, off_t l) {
    REAL(ftruncate, int, int, off_t);
    fd_event("ftruncate", fd);
    return real_ftruncate(fd, l);
}
int ftruncate64(int fd, off_t l) { return ftruncate(fd, l); }
int truncate(const char *p, off_t l) {
    REAL(truncate, int, const char *, off_t);
    path_event("truncate", AT_FDCWD, p);
    return real_truncate(p, l);
}
int fallocate(int fd, int m, off_t o, off_t l) {
    REAL(fallocate, int, int, int, off_t, off_t);
    fd_event("fallocate", fd);
    return real_fallocate(fd, m, o, l);
}
int fallocate64(int fd, int m, off_t o, off_t l) { return fallocate(fd, m, o, l); }
int posix_fallocate(int fd, off_t o, off_t l) {
    REAL(posix_fallocate, int, int, off_t, off_t);
    fd_event("posix_fallocate", fd);
    return real_posix_fallocate(fd, o, l);
}
int posix_fallocate64(int fd, off_t o, off_t l) { return posix_fallocate(fd, o, l); }

static int sync_call(const char *call, int fd, int (*real)(int)) {
    char p[PATH_MAX];
    if (!traced_fd(fd, p)) return real(fd);
    event(call, p, 1);
    shadow_sync(fd, p);
    return real(fd);
}
int fsync(int fd) {
    REAL(fsync, int, int);
    return sync_call("fsync", fd, real_fsync);
}
int fdatasync(int fd) {
    REAL(fdatasync, int, int);
    return sync_call("fdatasync", fd, real_fdatasync);
}

// True (errno = EIO) when FI_EIO names part of the path of `fd`.
static int read_fails(int fd) {
    char p[PATH_MAX];
    if (!eio || fd < 0 || fd_path(fd, p, sizeof p) != 0 || !strstr(p, eio)) return 0;
    errno = EIO;
    return 1;
}
ssize_t read(int fd, void *b, size_t n) {
    REAL(read, ssize_t, int, void *, size_t);
    return read_fails(fd) ? -1 : real_read(fd, b, n);
}
ssize_t pread(int fd, void *b, size_t n, off_t o) {
    REAL(pread, ssize_t, int, void *, size_t, off_t);
    return read_fails(fd) ? -1 : real_pread(fd, b, n, o);
}
ssize_t pread64(int fd, void *b, size_t n, off_t o) { return pread(fd, b, n, o); }

void *mmap(void *a, size_t len, int prot, int flags, int fd, off_t off) {
    REAL(mmap, void *, void *, size_t, int, int, int, off_t);
    if (!(flags & MAP_ANONYMOUS) && read_fails(fd)) return MAP_FAILED;
    void *r = real_mmap(a, len, prot, flags, fd, off);
    if (dir && fd >= 0 && (flags & MAP_SHARED) && (prot & PROT_WRITE)) map_add(r, len, off, fd);
    return r;
}
void *mmap64(void *a, size_t len, int prot, int flags, int fd, off_t off) { return mmap(a, len, prot, flags, fd, off); }
int munmap(void *a, size_t len) {
    REAL(munmap, int, void *, size_t);
    pthread_mutex_lock(&lock);
    struct map *m = map_find(a);
    if (m && (char *)a == m->base) { close(m->fd); m->base = NULL; }
    pthread_mutex_unlock(&lock);
    return real_munmap(a, len);
}
int msync(void *a, size_t len, int flags) {
    REAL(msync, int, void *, size_t, int);
    pthread_mutex_lock(&lock);
    struct map *found = map_find(a);
    struct map m = found ? *found : (struct map){0};
    pthread_mutex_unlock(&lock);
    char p[PATH_MAX];
    if (!found || fd_path(m.fd, p, sizeof p) != 0) return real_msync(a, len, flags);
    event("msync", p, (flags & MS_SYNC) != 0);
    if (mode == MODE_POWERCUT && (flags & MS_SYNC)) {
        pthread_mutex_lock(&lock);
        shadow_copy(m.fd, m.ino, m.off + ((char *)a - m.base), (long)len);
        pthread_mutex_unlock(&lock);
    }
    return real_msync(a, len, flags);
}

int rename(const char *a, const char *b) {
    REAL(rename, int, const char *, const char *);
    path_event("rename", AT_FDCWD, b);
    return real_rename(a, b);
}
int renameat(int da, const char *a, int db, const char *b) {
    REAL(renameat, int, int, const char *, int, const char *);
    path_event("renameat", db, b);
    return real_renameat(da, a, db, b);
}
int renameat2(int da, const char *a, int db, const char *b, unsigned f) {
    REAL(renameat2, int, int, const char *, int, const char *, unsigned);
    path_event("renameat2", db, b);
    return real_renameat2(da, a, db, b, f);
}
int unlink(const char *p) {
    REAL(unlink, int, const char *);
    path_event("unlink", AT_FDCWD, p);
    return real_unlink(p);
}
int unlinkat(int d, const char *p, int f) {
    REAL(unlinkat, int, int, const char *, int);
    path_event("unlinkat", d, p);
    return real_unlinkat(d, p, f);
}
int rmdir(const char *p) {
    REAL(rmdir, int, const char *);
    path_event("rmdir", AT_FDCWD, p);
    return real_rmdir(p);
}

static void shadow_made_directory(int d, const char *p) {
    char abs[PATH_MAX];
    struct stat st;
    resolve(d, p, abs, sizeof abs);
    if (mode == MODE_POWERCUT && under_dir(abs) && stat(abs, &st) == 0) shadow_empty("dir", st.st_ino);
}
int mkdir(const char *p, mode_t m) {
    REAL(mkdir, int, const char *, mode_t);
    path_event("mkdir", AT_FDCWD, p);
    int r = real_mkdir(p, m);
    if (r == 0) shadow_made_directory(AT_FDCWD, p);
    return r;
}
int mkdirat(int d, const char *p, mode_t m) {
    REAL(mkdirat, int, int, const char *, mode_t);
    path_event("mkdirat", d, p);
    int r = real_mkdirat(d, p, m);
    if (r == 0) shadow_made_directory(d, p);
    return r;
}
int link(const char *a, const char *b) {
    REAL(link, int, const char *, const char *);
    path_event("link", AT_FDCWD, b);
    return real_link(a, b);
}
int linkat(int da, const char *a, int db, const char *b, int f) {
    REAL(linkat, int, int, const char *, int, const char *, int);
    path_event("linkat", db, b);
    return real_linkat(da, a, db, b, f);
}
int symlink(const char *a, const char *b) {
    REAL(symlink, int, const char *, const char *);
    path_event("symlink", AT_FDCWD, b);
    return real_symlink(a, b);
}
ssize_t copy_file_range(int i, off_t *oi, int o, off_t *oo, size_t n, unsigned f) {
    REAL(copy_file_range, ssize_t, int, off_t *, int, off_t *, size_t, unsigned);
    fd_event("copy_file_range", o);
    return real_copy_file_range(i, oi, o, oo, n, f);
}
ssize_t sendfile(int o, int i, off_t *off, size_t n) {
    REAL(sendfile, ssize_t, int, int, off_t *, size_t);
    fd_event("sendfile", o);
    return real_sendfile(o, i, off, n);
}
ssize_t sendfile64(int o, int i, off_t *off, size_t n) { return sendfile(o, i, off, n); }
