#ifndef CMASKGUARD_H
#define CMASKGUARD_H

#include <stddef.h>

/// Guarding reads through memory mappings: an I/O error (or a file truncated under its
/// mapping) on a page of a mapped file is not a failed call but a SIGBUS. These functions keep
/// a table of the process's mapped files (`cmg_register`, `cmg_unregister`: MaskStorage's
/// MappedFile) and install a SIGBUS handler (`cmg_install`) that, for a fault inside one of
/// them, writes `<prefix>error: reading <path>: ...` to standard error and exits with status 1
/// (`_exit`: no answer is printed, nothing more is written). A fault outside every registered
/// mapping gets the default action (a core dump), as without the handler.
/// Everything the handler calls is async-signal-safe (write, _exit, atomic loads).

/// Installs the SIGBUS handler (once; later calls do nothing). `prefix` (copied, at most 63
/// bytes) starts the message, e.g. "masksearch: ". Returns 0, or -1 when sigaction failed.
int cmg_install(const char *prefix);

/// Records the mapping [base, base + length) of the file `path` (copied). Returns 0, or -1
/// when the table is full or memory ran out (the mapping is then not named by the handler).
int cmg_register(const void *base, size_t length, const char *path);

/// Forgets the mapping starting at `base` (before it is unmapped).
void cmg_unregister(const void *base);

/// The number of mappings registered now (for tests).
int cmg_registered_count(void);

#endif
