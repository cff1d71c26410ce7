/*
 * bm25df(fts, weight per column..., tokens, document count per phrase...): FTS5's bm25()
 * with the caller's document counts and, when it has it, the row's length; higher is
 * better.
 *
 * bm25() scores a row by each phrase's IDF, log((N - n + 0.5) / (n + 0.5)), and learns n,
 * the number of rows holding the phrase, by walking the phrase's whole doclist once per
 * statement: 2 ms for a word in 34k of 1M videos, before a single row is scored. A caller
 * that knows n (it counted once and keeps the count while the index is unchanged) passes
 * it here instead. The arithmetic is bm25()'s, term for term (k1 = 1.2, b = 0.75, the
 * same 1e-6 floor on IDF), so the scores are the same numbers, negated.
 *
 * `tokens` is the row's length in tokens, all columns together. A caller that keeps it
 * beside the filters it reads for every match anyway saves the lookup in FTS5's docsize
 * table that bm25() makes per row; NULL makes that lookup.
 *
 * A NULL count leaves its phrase unscored: it still has to match, as a trailing prefix
 * of search-as-you-type does, but adds nothing to the score.
 */
#include <math.h>
#include <string.h>
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

/* Per statement: what depends on the query alone, computed on its first row. */
typedef struct {
  double avgdl;
  double *idf;  /* per phrase; 0 for an unscored one */
  double *freq; /* per phrase, the current row's weighted hits (scratch) */
} Bm25Query;

static Bm25Query *bm25Query(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nPhrase, sqlite3_value **counts) {
  Bm25Query *q = api->xGetAuxdata(fts, 0);
  if (q) return q;
  sqlite3_int64 nRow = 0, nToken = 0;
  int rc = api->xRowCount(fts, &nRow);
  if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &nToken);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return 0;
  }
  q = sqlite3_malloc64(sizeof(Bm25Query) + 2 * sizeof(double) * (sqlite3_uint64)nPhrase);
  if (!q) {
    sqlite3_result_error_nomem(ctx);
    return 0;
  }
  q->avgdl = nRow > 0 ? (double)nToken / (double)nRow : 1.0;
  q->idf = (double *)&q[1];
  q->freq = q->idf + nPhrase;
  for (int i = 0; i < nPhrase; i++) {
    if (sqlite3_value_type(counts[i]) == SQLITE_NULL) {
      q->idf[i] = 0.0;
      continue;
    }
    double n = sqlite3_value_double(counts[i]);
    double idf = log(((double)nRow - n + 0.5) / (n + 0.5));
    q->idf[i] = idf <= 0.0 ? 1e-6 : idf;
  }
  rc = api->xSetAuxdata(fts, q, sqlite3_free);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return 0;
  }
  return q;
}

static void bm25df(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nVal, sqlite3_value **apVal) {
  const double k1 = 1.2, b = 0.75;
  int nCol = api->xColumnCount(fts), nPhrase = api->xPhraseCount(fts);
  if (nVal != nCol + 1 + nPhrase) {
    sqlite3_result_error(ctx, "bm25df: pass one weight per column, the row's tokens, then one document count per phrase", -1);
    return;
  }
  Bm25Query *q = bm25Query(api, fts, ctx, nPhrase, apVal + nCol + 1);
  if (!q) return;

  memset(q->freq, 0, sizeof(double) * (size_t)nPhrase);
  int nInst = 0, rc = api->xInstCount(fts, &nInst);
  for (int i = 0; rc == SQLITE_OK && i < nInst; i++) {
    int phrase, column, offset;
    rc = api->xInst(fts, i, &phrase, &column, &offset);
    if (rc == SQLITE_OK) q->freq[phrase] += sqlite3_value_double(apVal[column]);
  }
  int nToken = 0;
  sqlite3_value *tokens = apVal[nCol];
  if (sqlite3_value_type(tokens) != SQLITE_NULL) nToken = sqlite3_value_int(tokens);
  else if (rc == SQLITE_OK) rc = api->xColumnSize(fts, -1, &nToken);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  double score = 0.0;
  for (int i = 0; i < nPhrase; i++) {
    double f = q->freq[i];
    score += q->idf[i] * (f * (k1 + 1.0)) / (f + k1 * (1.0 - b + b * (double)nToken / q->avgdl));
  }
  sqlite3_result_double(ctx, score);
}

/* The FTS5 API of this connection, as the FTS5 documentation shows to obtain it. */
static fts5_api *fts5Api(sqlite3 *db) {
  fts5_api *api = 0;
  sqlite3_stmt *stmt = 0;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, 0) != SQLITE_OK) return 0;
  sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", 0);
  sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  return api;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_extension_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  SQLITE_EXTENSION_INIT2(pApi)
  fts5_api *api = fts5Api(db);
  if (!api || api->iVersion < 2) {
    if (pzErrMsg) *pzErrMsg = sqlite3_mprintf("bm25df: this SQLite has no FTS5");
    return SQLITE_ERROR;
  }
  return api->xCreateFunction(api, "bm25df", 0, bm25df, 0);
}
