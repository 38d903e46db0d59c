/*
 * masksearch.h — the C ABI of the masksearch engine (libMaskSearchABI.so).
 *
 * The engine runs in the calling process. Every function is thread-safe: one database handle
 * may be used from several threads at once (queries run concurrently; ingest, load_rois and
 * index are exclusive with every other call on the handle and with each other).
 * No Swift type crosses this boundary: handles are opaque, strings are NUL-terminated UTF-8,
 * results are the JSON texts the CLI prints, masks are raw little-endian buffers.
 *
 * Memory: every `char *` a function returns is allocated by the library and freed by the caller
 * with ms_free(). The strings inside an ms_error are freed by ms_error_clear().
 * Errors: a function that fails returns NULL (pointers) or -1 (integers) and, when `error` is not
 * NULL, fills it; on success `error->kind` is MS_OK. A failing call changes nothing on disk.
 */
#ifndef MASKSEARCH_H
#define MASKSEARCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MS_ABI_VERSION 1

typedef enum {
    MS_OK = 0,
    MS_ERROR_QUERY = 1,    /* bad SQL (syntax or semantics): `token` and `position` are set; CLI exit 2 */
    MS_ERROR_INPUT = 2,    /* bad input: mask values, shapes, metadata, ROI boxes, an unknown mask id,
                              a bad argument, a path that is not a database; CLI exit 2 */
    MS_ERROR_INTERNAL = 3, /* I/O failure, damaged files, a broken engine invariant; CLI exit 1 */
    MS_ERROR_CLOSED = 4    /* the handle was closed */
} ms_error_kind;

typedef struct {
    int32_t kind;          /* an ms_error_kind */
    int64_t position;      /* MS_ERROR_QUERY: 1-based character offset of `token` in the SQL; else 0 */
    char *token;           /* MS_ERROR_QUERY: the offending token ("" at the end of input); else NULL */
    char *message;         /* what, where, why — the CLI's message for the same error; NULL on MS_OK */
} ms_error;

/* Element types of input buffers and storage precisions. */
typedef enum {
    MS_UINT8 = 0,
    MS_FLOAT16 = 1,
    MS_FLOAT32 = 2,
    MS_FLOAT64 = 3         /* input only */
} ms_dtype;

typedef struct ms_database ms_database;   /* opaque */

/* The library's version, e.g. "0.12.0" (static string, do not free). */
const char *ms_version(void);

/* Frees a string returned by the library (NULL is ignored). */
void ms_free(void *pointer);

/* Frees the strings of `error` and resets it to MS_OK. */
void ms_error_clear(ms_error *error);

/* Opens the database directory `path`. With `create` != 0 a missing directory is created (empty:
   the first ingest makes it a database); without it a missing path is MS_ERROR_INPUT. */
ms_database *ms_open(const char *path, int32_t create, ms_error *error);

/* Closes the handle: waits for calls running on it, then frees it. Later calls with the handle
   are undefined behaviour (bindings keep their own closed flag and raise). NULL is ignored. */
void ms_close(ms_database *database);

/* Runs one query (CONTRACT.md section 3) and returns the JSON object of `masksearch query
   --format json`: {"columns": [...], "rows": [[...]], "stats": {...}}. `use_index` = 0 is
   `--no-index`. Masks the query reads are indexed and kept, as in the CLI. */
char *ms_query_json(ms_database *database, const char *sql, int32_t use_index, ms_error *error);

/* One ingest: `count` masks of `height` x `width` elements of `element_type`, C order, native
   (little-endian) byte order, read in place from `data` (not copied as a whole). */
typedef struct {
    const void *data;
    int64_t count;
    int64_t height;
    int64_t width;
    int32_t element_type;  /* an ms_dtype */
    int32_t storage;       /* an ms_dtype (not MS_FLOAT64), or -1: the CLI's default / the database's */
    int32_t clip;          /* != 0: clip into [0, 1] instead of rejecting (NaN still rejected) */
    const char *meta_csv;  /* NULL, or the text of a metadata CSV (header row; one row per mask, in
                              order), read exactly as `ingest --meta` reads a file */
} ms_ingest_request;

/* Ingests `request` (as `masksearch ingest`); returns a JSON summary
   {"masks": N, "segment": "seg-….mss", "raw_bytes": …, "stored_bytes": …, "created_database": bool}. */
char *ms_ingest(ms_database *database, const ms_ingest_request *request, ms_error *error);

/* Loads (or replaces) the ROI set `name` from the text of a boxes CSV (as `masksearch roi`);
   returns {"name": …, "boxes": N, "key": "image_id"|"mask_id", "replaced": bool}. */
char *ms_load_rois(ms_database *database, const char *name, const char *boxes_csv, ms_error *error);

/* Builds the index (as `masksearch index`); `bins`, `cell` <= 0 mean the default. Returns
   {"built": N, "already_indexed": N, "bins": B, "cell": C, "seconds": s, "index_bytes": N}. */
char *ms_index(ms_database *database, int32_t bins, int32_t cell, ms_error *error);

/* What the database holds: {"masks": N, "height": H, "width": W, "pixel_format": "uint8",
   "columns": [{"name": "mask_id", "type": "INT64"}, ...], "roi_sets": ["object", ...]};
   an empty (just created) database gives {"masks": 0, "height": 0, "width": 0, ...}. */
char *ms_info(ms_database *database, ms_error *error);

/* Writes the masks with ids `mask_ids[0..count)` as float32 values (the stored value: q/255 for
   uint8, exact for float16/float32), `count` x H x W floats, into `out`. An unknown id is
   MS_ERROR_INPUT naming it. Returns 0, or -1 on error. */
int32_t ms_read_masks(ms_database *database, const int64_t *mask_ids, int64_t count, float *out, ms_error *error);

#ifdef __cplusplus
}
#endif

#endif /* MASKSEARCH_H */
