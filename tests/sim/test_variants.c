/*
** test_variants.c: does every shipped attention variant's mapping (causal,
** sliding window, block-sparse at a density and from a pattern file,
** streaming, strided, decode, GQA, GQA decode, MLA decode, causal linear
** attention; on FuseMax's
** hardware and on FLAT's) run on both engines, with the work counted
** exactly?  Per point: the analytical engine, the cycle engine in
** fast-forward and in --full; their action counts must be equal field by
** field, fast-forward's cycles equal --full's (not under valgrind, where
** ATTNSIM_TEST_STRIDE is set), and the MACs equal a count
** derived by hand below (tests/sim/cycle/tiny.yaml: B = H = 1, E = F = 8,
** so each kept (m, p) point costs E MACs of BQK and F of SLNV: 16).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim.h"

/* Adds --set NAME=value (value 0: density d) to w. */
static void set(wl_workload *w, const char *name, int64_t value, double d) {
  assert_true(w->nset < WL_MAX_SET);
  wl_size *z = &w->set[w->nset++];
  snprintf(z->name, sizeof z->name, "%s", name);
  z->value = value;
  z->density = d;
}

static uint64_t macs(const sim_result *r) {
  uint64_t n = 0;
  for (int k = 0; k < r->n_arrays; k++) n += r->act.array[k].ops[HW_OP_MAC];
  return n;
}

/* Runs mapping FILE (under mappings/, or a path from the source tree with
** a mask pattern) at length seq on rows x cols arrays in all three modes;
** checks they agree and returns the MACs. */
static int64_t buffer;          /* bytes: the global buffer's override; 0: the design's */
static int lean;                /* ATTNSIM_TEST_STRIDE set (valgrind): no --full runs */
static uint64_t reads;          /* DRAM bytes read at the last run3m, equal in every mode */
static uint64_t buf_reads;      /* buffer bytes read at the last run3m, likewise */

static uint64_t run3m(const char *file, const char *mask, const wl_workload *w, int64_t seq, int64_t rows,
                      int64_t cols) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s%s", ATTNSIM_SOURCE_DIR, strchr(file, '/') ? "" : "mappings/", file);
  sim_design *d;
  at_err e;
  if (sim_design_load(path, NULL, &d, &e)) fail_msg("%s", e.msg);
  if (mask && sim_design_set_mask(d, "BM", mask, &e)) fail_msg("%s", e.msg);
  sim_overrides ov = { rows, cols, cols, buffer, 0, 0 };
  const sim_engine *cyc = sim_engine_find("cycle");
  sim_engine_opts full = { .full = 1 };
  sim_result ra, rf, rs;
  if (sim_eval_on(d, w, seq, &ov, NULL, NULL, &ra, &e) || sim_eval_on(d, w, seq, &ov, cyc, NULL, &rf, &e) ||
      (lean ? (rs = rf, 0) : sim_eval_on(d, w, seq, &ov, cyc, &full, &rs, &e)))
    fail_msg("%s %lld: %s", file, (long long)seq, e.msg);
  sim_design_free(d);
  if (memcmp(&ra.act, &rf.act, sizeof ra.act) || memcmp(&rf.act, &rs.act, sizeof rf.act))
    fail_msg("%s %lld: action counts differ (MACs %llu analytical, %llu fast-forward, %llu full)", file,
             (long long)seq, (unsigned long long)macs(&ra), (unsigned long long)macs(&rf),
             (unsigned long long)macs(&rs));
  if (rf.cycles != rs.cycles)
    fail_msg("%s %lld: fast-forward %llu cycles, full %llu", file, (long long)seq, (unsigned long long)rf.cycles,
             (unsigned long long)rs.cycles);
  assert_true(ra.cycles > 0 && rf.cycles > 0);
  assert_true(ra.act.dram_read_bytes > 0);   /* act holds the traffic too: equal above */
  reads = ra.act.dram_read_bytes;
  buf_reads = ra.act.buffer_read_bytes;
  return macs(&ra);
}

static uint64_t run3(const char *file, const wl_workload *w, int64_t seq, int64_t rows, int64_t cols) {
  return run3m(file, NULL, w, seq, rows, cols);
}

static wl_workload tiny(void) {
  wl_workload w;
  at_err e;
  if (wl_load(ATTNSIM_SOURCE_DIR "/tests/sim/cycle/tiny.yaml", &w, &e)) fail_msg("%s", e.msg);
  return w;
}

/* The variant's mapping on both hardwares (NAME-fusemax.yaml and
** NAME-flat.yaml): both do the same work, want MACs. */
static void on_both(const char *name, const wl_workload *w, int64_t seq, int64_t rows, int64_t cols, uint64_t want) {
  static const char *const hw[] = { "fusemax", "flat" };
  for (int h = 0; h < 2; h++) {
    char f[64];
    snprintf(f, sizeof f, "%s-%s.yaml", name, hw[h]);
    if (run3(f, w, seq, rows, cols) != want) fail_msg("%s at %lld: not %llu MACs", f, (long long)seq, (unsigned long long)want);
  }
}

/* Causal at S = 64 on 8 x 8 arrays: sum over p of p + 1 keys = 64 x 65 / 2
** = 2080 points, 33280 MACs; on 4 x 8 tiles the diagonal cuts them off
** their corners (the same count at S = 48: 48 x 49 / 2 x 16 = 18816). */
static void causal(void **state) {
  (void)state;
  wl_workload w = tiny();
  on_both("causal", &w, 64, 8, 8, 2080 * 16);
  on_both("causal", &w, 48, 4, 8, 48 * 49 / 2 * 16);
}

/* Window W = 20 at S = 64: sum over p of min(p + 1, 20) = 20 x 21 / 2 +
** 44 x 20 = 1090 points; W = 5 on 8 x 8 tiles, whose edges the window
** cuts: 5 x 6 / 2 + 59 x 5 = 310. */
static void window(void **state) {
  (void)state;
  wl_workload w = tiny();
  w.W = 20;
  on_both("window", &w, 64, 8, 8, 1090 * 16);
  w.W = 5;
  on_both("window", &w, 64, 8, 8, 310 * 16);
}

/* Block-sparse at S = 128 on 8 x 8 arrays: M1 = P1 = 16 tiles of 8 keys and
** 8 queries.  DENSITY d keeps round(16 d) key tiles per query tile, so
** 16 round(16 d) blocks of 64 points: d = 0.25, 64 blocks, 65536 MACs;
** d = 0.5, 128 blocks, exactly twice; d = 1, all 256 blocks, 262144 MACs,
** which is full attention's 128 x 128 x 16. */
static void blocksparse(void **state) {
  (void)state;
  static const double dens[] = { 0.25, 0.5, 0.0625 };
  static const uint64_t blocks[] = { 64, 128, 16 };
  for (int i = 0; i < 3; i++) {
    wl_workload w = tiny();
    set(&w, "DENSITY", 0, dens[i]);
    on_both("blocksparse", &w, 128, 8, 8, blocks[i] * 64 * 16);
  }
  wl_workload w = tiny();
  set(&w, "DENSITY", 1, 0);
  on_both("blocksparse", &w, 128, 8, 8, 128 * 128 * 16);
}

/* Block-sparse with the mask read from a pattern file
** (tests/einsum/patterns/causal4x4.txt: key tile m1 for query tiles
** p1 >= m1, 4 + 3 + 2 + 1 = 10 of 16 blocks) at S = 32 on 8 x 8 arrays:
** 10 x 64 points x 16 MACs = 10240; at S = 64 the 4 x 4 pattern does not
** fit the 8 x 8 tiles, a located error. */
static void blocksparse_file(void **state) {
  (void)state;
  wl_workload w = tiny();
  const char *fix = "tests/sim/cycle/blocksparse-file.yaml";
  const char *pat = ATTNSIM_SOURCE_DIR "/tests/einsum/patterns/causal4x4.txt";
  assert_int_equal(run3m(fix, pat, &w, 32, 8, 8), 10 * 64 * 16);
  sim_design *d;
  at_err e;
  sim_result r;
  if (sim_design_load(ATTNSIM_SOURCE_DIR "/tests/sim/cycle/blocksparse-file.yaml", NULL, &d, &e)) fail_msg("%s", e.msg);
  sim_overrides ov = { 8, 8, 8, 0, 0, 0 };
  assert_int_equal(sim_eval_on(d, &w, 32, &ov, NULL, NULL, &r, &e), -1);   /* no pattern given */
  assert_non_null(strstr(e.msg, "mask BM has no pattern"));
  assert_int_equal(sim_design_set_mask(d, "BM", pat, &e), 0);
  assert_int_equal(sim_eval_on(d, &w, 64, &ov, NULL, NULL, &r, &e), -1);   /* 8 x 8 tiles */
  assert_non_null(strstr(e.msg, "causal4x4.txt:3:1: row of 4 blocks: mask BM has 8 per row"));
  sim_design_free(d);
}

/* Streaming, SINK = 1, WIN = 2 at S = 64 on 8 x 8 arrays (M1 = P1 = 8):
** query tile 0 keeps its diagonal tile, cut causally (8 x 9 / 2 = 36
** points); tile 1 the sink (64) and its diagonal (36); tiles 2..7 the sink,
** the tile before (64 each) and the diagonal: 36 + 100 + 6 x 164 = 1120. */
static void streaming(void **state) {
  (void)state;
  wl_workload w = tiny();
  set(&w, "SINK", 1, 0);
  set(&w, "WIN", 2, 0);
  on_both("streaming", &w, 64, 8, 8, 1120 * 16);
}

/* Strided, STRIDE = 2 at S = 64 on 8 x 8 arrays: query tile p1 keeps its
** diagonal (36 points) and floor(p1 / 2) whole tiles before it: 8 x 36 +
** (0+0+1+1+2+2+3+3) x 64 = 1056 points. */
static void strided(void **state) {
  (void)state;
  wl_workload w = tiny();
  set(&w, "STRIDE", 2, 0);
  on_both("strided", &w, 64, 8, 8, 1056 * 16);
}

/* Decode against a 64-token cache: NEW = 1 sees all 64 keys; NEW = 4 sees
** 61 + 62 + 63 + 64 = 250 (query p is token 60 + p); in prefill (NEW =
** CTX) it is causal: 2080. */
static void decode(void **state) {
  (void)state;
  wl_workload w = tiny();
  w.phase = WL_DECODE;
  w.NEW = 1;
  on_both("decode", &w, 64, 8, 8, 64 * 16);
  w.NEW = 4;
  on_both("decode", &w, 64, 8, 8, 250 * 16);
  w = tiny();
  on_both("decode", &w, 64, 8, 8, 2080 * 16);
}

/* A tile its reader keeps no point of is not fetched from DRAM (sim/skip.c),
** in either engine.  E = F = 8 and 2-byte words: a K or V tile of M0 = 8
** keys is 128 bytes, Q is S x 16 bytes.
** Causal, S = 512 on 8 x 8 arrays with a 16 KiB buffer: the tiling is p2 =
** 2 blocks of 256 queries (the run's tiling says so); block j keeps the
** (j + 1) x 32 key tiles up to its last query, 32 + 64 = 96 of K and as
** many of V: 2 x 96 x 128 + Q's 8192 = 32768 bytes, against full
** attention's 2 x 2 x 64 x 128 + 8192 = 40960 on the same binding.
** Block-sparse at S = 128 (16 x 16 blocks, p1 outside m1): K and V once
** per active block, Q once: d = 0.25, 2 x 64 x 128 + 2048 = 18432; d =
** 0.5, 2 x 128 x 128 + 2048 = 34816.  Strided, STRIDE = 2 at S = 64: 20
** active blocks (see strided()), 2 x 20 x 128 + 1024 = 6144. */
static void masked_traffic(void **state) {
  (void)state;
  wl_workload w = tiny();
  buffer = 16384;
  run3("causal-fusemax.yaml", &w, 512, 8, 8);
  assert_int_equal(reads, 32768);
  run3("fusemax.yaml", &w, 512, 8, 8);
  assert_int_equal(reads, 40960);
  buffer = 0;
  {
    sim_design *d;
    at_err e;
    sim_result r;
    sim_overrides ov = { 8, 8, 8, 16384, 0, 0 };
    if (sim_design_load(ATTNSIM_SOURCE_DIR "/mappings/causal-fusemax.yaml", NULL, &d, &e) ||
        sim_eval_on(d, &w, 512, &ov, NULL, NULL, &r, &e))
      fail_msg("%s", e.msg);
    assert_string_equal(r.tiling, "p2=2 p1=32 p0=8");
    sim_design_free(d);
  }
  static const double dens[] = { 0.25, 0.5 };
  static const uint64_t want[] = { 18432, 34816 };
  for (int i = 0; i < 2; i++) {
    wl_workload v = tiny();
    set(&v, "DENSITY", 0, dens[i]);
    run3("blocksparse-fusemax.yaml", &v, 128, 8, 8);
    assert_int_equal(reads, want[i]);
  }
  wl_workload v = tiny();
  set(&v, "STRIDE", 2, 0);
  run3("strided-fusemax.yaml", &v, 64, 8, 8);
  assert_int_equal(reads, 6144);
}

/* GQA and MLA, on FuseMax's hardware and on FLAT's (the G query heads or
** the heads on the columns in decode).  GQA at S = 64 prefill with KVH = 2
** KV heads of G = 2 query heads: 4 heads of causal attention, 4 x 2080
** points of 16 MACs.  GQA decode, NEW = 1 against 64 keys: 4 x 64 points.
** MLA decode (C = 8 latent, R = 4 rope, H = 2 heads), NEW = 1 against 64
** keys: a score costs C + R MACs (BQC, BQR), its weight times the latent
** value C (SLNV): 2 x 64 x 20 = 2560. */
static void grouped(void **state) {
  (void)state;
  wl_workload w = tiny();
  set(&w, "KVH", 2, 0);
  set(&w, "G", 2, 0);
  on_both("gqa", &w, 64, 8, 8, 4 * 2080 * 16);
  w.phase = WL_DECODE;
  w.NEW = 1;
  on_both("gqa-decode", &w, 64, 8, 8, 4 * 64 * 16);
  w = tiny();
  w.phase = WL_DECODE;
  w.NEW = 1;
  set(&w, "C", 8, 0);
  set(&w, "R", 4, 0);
  set(&w, "H", 2, 0);
  on_both("mla-decode", &w, 64, 8, 8, 2 * 64 * 20);
}

/* Causal linear attention (linear-causal.einsum), S = 32 on 8 x 8 arrays:
** blocks of B = 8, N1 = 4 key and query blocks; E = F = 8.  MACs: the
** state K^T V, E F N = 2048 (KVB); the diagonal blocks' scores and
** weighted values, E and F times 4 x 8 x 9 / 2 = 144 causal points (QKI,
** OA: 1152 each); the inter-block term Q . state, E F N = 2048 (OB, block
** 0 against the zero state): 6400.  DRAM reads under loops [m1, p1] (2-byte
** words, a tile of 8 x 8 is 128 bytes): K and V (keep_at m1) once per
** key block, 2 x 4 x 128 = 1024, although KVB reads them in the last p1
** step and QKI in the first; Q (keep_at p1) changes with p1 under m1, but
** its two readers (QKI, OB) keep a point only when m1 == p1, so its
** masked reads are skipped and it is fetched once per query block, 4 x
** 128 = 512: 1536 in all (3072 if Q moved in every (m1, p1) step).  The
** cycle engine used to fetch K and V again at KVB's firing and to
** complete OA and OB only at the last m1, never forwarding most of them. */
static void linear_causal(void **state) {
  (void)state;
  wl_workload w = tiny();
  on_both("linear-causal", &w, 32, 8, 8, 6400);
  assert_int_equal(reads, 1536);
}

/* One run of mappings/FILE at seq on 8 x 8 arrays (8-wide 1D) on engine
** eng (NULL: the analytical engine), fast-forward. */
static void eval8(const char *file, const wl_workload *w, int64_t seq, const sim_engine *eng, sim_result *r) {
  char path[512];
  snprintf(path, sizeof path, "%s/mappings/%s", ATTNSIM_SOURCE_DIR, file);
  sim_design *d;
  at_err e;
  if (sim_design_load(path, NULL, &d, &e)) fail_msg("%s", e.msg);
  sim_overrides ov = { 8, 8, 8, 0, 0, 0 };
  if (sim_eval_on(d, w, seq, &ov, eng, NULL, r, &e)) fail_msg("%s: %s", file, e.msg);
  sim_design_free(d);
}

/* A staged input's buffer reads skip the tiles its reader keeps no point
** of, in both engines.  Causal and full attention at S = 64 on 8 x 8
** (E = F = 8, 2-byte words; P2 = 1, M1 = P1 = 8): in each (m1, p1) tile
** BQK reads a Q tile and a K tile (E x 8 words, 128 bytes each) and SLNV a
** V tile (F x 8, 128 bytes) from the buffer.  Causal keeps the 36 tiles
** m1 <= p1 of 64, so 28 x 384 = 10752 bytes fewer than full attention's
** 48768 (the running state's reads, RM, RD, RNV, still move in every
** tile: an iterative tensor's first tile is larger, so the rule leaves
** them); before, both read 48768. */
static void masked_buffer_reads(void **state) {
  (void)state;
  wl_workload w = tiny();
  run3("fusemax.yaml", &w, 64, 8, 8);
  assert_int_equal(buf_reads, 48768);
  run3("causal-fusemax.yaml", &w, 64, 8, 8);
  assert_int_equal(buf_reads, 48768 - 28 * 384);
}

/* The analytical engine's latency on linear-causal at S = 32 on 8 x 8
** arrays (E = F = 8; M1 = P1 = 4 blocks of 8, MACs 1 cycle), by hand.
** 2D: KVB sums m0 over rows m0, columns f: E F M0 = 512 MACs per step on
** 64 PEs, 8 cycles, 4 steps: 32.  QKI and OA: a diagonal block keeps
** 8 x 9 / 2 = 36 points, E (F) MACs each: 4 x 288 / 64 = 18 each.  OB:
** F x P0 x E = 512 MACs in each kept step m1 == p1, 8 cycles; its results
** shift down the columns (rows f, output indexed by f, read by AV on the
** 1D array), which holds the array 8 cycles a firing: 4 kept firings, 32
** (it charged all M1 x P1 = 16 firings, 128, so 2D was 196 and the
** latency 204).  2D: 32 + 18 + 18 + 32 = 100; 1D: KV's E F = 64 adds per
** step on 8 PEs, 32, and AV's F P = 256 adds on 8, 32: 64.  Interleaved:
** the busiest array plus one 8-cycle drain, 108; DRAM (2048 bytes, 5
** cycles) hides under it.  The cycle engine runs longer here (a tiny run
** of 4 steps, each 1D task waiting for a 2D result's drain): only its
** count of the chain is checked, through its 2D array's busy time
** against the same 100 plus its empty tasks. */
static void linear_causal_latency(void **state) {
  (void)state;
  wl_workload w = tiny();
  sim_result r;
  eval8("linear-causal-fusemax.yaml", &w, 32, NULL, &r);
  assert_int_equal(r.array_busy[0], 100);
  assert_int_equal(r.array_busy[1], 64);
  assert_int_equal(r.cycles, 108);
}

/* The cycle engine's window counts only tiles with work.  Window W = 8 at
** S = 256 on 8 x 8 arrays (E = F = 8): query block p1 keeps key blocks
** p1 - 1 and p1 (p - 8 < m <= p), so in FuseMax's loop order (m1 outer,
** p1 inner, P1 = 32) key row m1 keeps tiles p1 = m1 and m1 + 1 only: 2
** of 32, the next row's pair 31 tiles later.  When the window's 12 entries
** went to skipped tiles too, they held at most 2 kept tiles, whose
** 2D -> 1D -> 2D -> 1D chains (two 8-cycle column drains each) nothing
** could overlap: the 1D array, the busiest, idled 690 cycles (`drain`) and
** the run took 2721 cycles.  With 12 kept tiles in flight (6 rows' pairs;
** only a pair's tiles of one p1 are chained, through the running state),
** the 1D array waits after its first task only for the last tile's SLNV
** to drain (nothing follows it to overlap; at most the 8 rows, here 1
** cycle): cycles = its fill + its busy cycles + that wait (13 + 2018 + 1
** = 2032).  The same for causal at S = 128 on 8 x 8 (row m1 keeps
** p1 >= m1: 16 - m1 tiles of 16): 22 + 3754 + 1 = 3777, where the 1D
** array idled 98 cycles for drains (3874).
** A skipped tile takes no port time for its running state (RM, RD, RNV stay
** where they are): window W = 8 at S = 1024 (M1 = P1 = 128).  Tiles with
** work: the 128 diagonal ones (m1 = p1), the 127 at m1 = p1 - 1 (query
** 8 p1 + j keeps 7 - j keys there: 7 of the 8 query columns), and the 127
** of the last key row where only AV fires (p1 < 127); every task there
** takes its array 1 cycle.  1D busy: RM, SPD, RD 1 cycle in each of the
** 382 tiles (1146); PRM's exp 7 in the 255 kept tiles, 1 in the rest
** (1912); SPNV and RNV F x P0 = 64 operations on 8 PEs, 8 on the diagonal,
** 7 beside it (56), 1 in the AV-only tiles (2040 each); AV F x P = 8192
** divisions on 8 PEs (1024): 8162, so cycles = 13 + 8162 + 1 = 8176, as
** the analytical engine, linear in S.  When every one of the 16384 tiles
** held the buffer's ports a cycle or more for the running state's rows,
** the run took 17931 cycles (the 2D array's `buffer_port` 10776, the 1D
** array's `drain` 9756), and 4231005 at S = 16384, growing as S^2. */
static void window_in_flight(void **state) {
  (void)state;
  wl_workload w = tiny();
  static const struct { const char *file; int64_t W, seq; uint64_t want; } c[] = {
    { "window-fusemax.yaml", 8, 256, 2032 },
    { "causal-fusemax.yaml", 0, 128, 3777 },
    { "window-fusemax.yaml", 8, 1024, 8176 },
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    w.W = c[i].W;
    run3(c[i].file, &w, c[i].seq, 8, 8);    /* the engines' counts agree, fast-forward = --full */
    sim_result r;
    eval8(c[i].file, &w, c[i].seq, sim_engine_find("cycle"), &r);
    const uint64_t *st = r.stall[1];          /* the 1D array */
    if (st[SIM_S_DRAIN] > 8 || st[SIM_S_WINDOW] || st[SIM_S_DEPENDENCY] || st[SIM_S_DRAM] || st[SIM_S_BUFFER_PORT] ||
        r.stall[0][SIM_S_BUFFER_PORT])
      fail_msg("%s: the 1D array idles (drain %llu, window %llu)", c[i].file, (unsigned long long)st[SIM_S_DRAIN],
               (unsigned long long)st[SIM_S_WINDOW]);
    assert_int_equal(r.cycles, st[SIM_S_FILL] + r.array_busy[1] + st[SIM_S_DRAIN]);
    assert_int_equal(r.cycles, c[i].want);
  }
}

int main(void) {
  const char *st = getenv("ATTNSIM_TEST_STRIDE");
  lean = st && atoi(st) > 1;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(causal),    cmocka_unit_test(window),  cmocka_unit_test(blocksparse),
    cmocka_unit_test(blocksparse_file), cmocka_unit_test(masked_traffic),
    cmocka_unit_test(streaming), cmocka_unit_test(strided), cmocka_unit_test(decode),
    cmocka_unit_test(grouped), cmocka_unit_test(linear_causal), cmocka_unit_test(linear_causal_latency),
    cmocka_unit_test(window_in_flight), cmocka_unit_test(masked_buffer_reads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
