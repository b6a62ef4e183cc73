/*
** test_sweep.c: do sweep files parse, and does every malformed one give
** exactly the documented "FILE:LINE:COL: PATH: message"?  One fixture per
** case under bad/, each opening with a comment saying what is wrong.  Also:
** the shipped sweeps load with their documented sizes, pareto.yaml follows
** the buffer rule of `attnsim pareto` (so the two cannot drift), points are
** numbered in the documented order, and shards partition a sweep.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "paper.h"
#include "sweep.h"

typedef struct bad_case { const char *file, *msg; } bad_case;

static const bad_case cases[] = {
  { "bad/unknown-key.yaml",
    "bad/unknown-key.yaml:4:1: seq_len: unknown field (did you mean \"seq_lens\"?)" },
  { "bad/missing-models.yaml", "bad/missing-models.yaml:2:1: models: missing required field" },
  { "bad/empty-list.yaml", "bad/empty-list.yaml:2:10: designs: empty list" },
  { "bad/duplicate-seq.yaml",
    "bad/duplicate-seq.yaml:4:20: seq_lens[2]: duplicate entry (same as seq_lens[0])" },
  { "bad/bad-seq.yaml",
    "bad/bad-seq.yaml:4:16: seq_lens[1]: expected a sequence length such as 1024, 1K or 1M, "
    "got \"lots\"" },
  { "bad/unknown-model.yaml",
    "bad/unknown-model.yaml:3:16: models[1]: unknown model \"gpt9\" (known: bert, deepseek-v3, deepseek-v3-decode, deepseek-v3-mtp, falcon-7b, llama31-70b, llama31-70b-decode, llama31-70b-spec, llama31-8b, llama31-8b-decode, mistral-7b, t5, trxl, xlm)" },
  { "bad/ambiguous-unit.yaml",
    "bad/ambiguous-unit.yaml:6:19: arch.buffer[1]: ambiguous unit \"MB\" (write KiB, MiB or GiB, "
    "powers of 1024), got \"16 MB\"" },
  { "bad/bandwidth-no-unit.yaml",
    "bad/bandwidth-no-unit.yaml:6:15: arch.bandwidth[0]: expected a bandwidth such as "
    "\"400 GiB/s\", got \"400\"" },
  { "bad/zero-rows.yaml",
    "bad/zero-rows.yaml:6:13: arch.rows_2d[0]: expected a number of PEs from 1 to 1048576, "
    "got \"0\"" },
  { "bad/arch-and-variants.yaml",
    "bad/arch-and-variants.yaml:8:3: variants: give either arch (a product of lists) or "
    "variants (a list), not both" },
  { "bad/variant-typo.yaml",
    "bad/variant-typo.yaml:7:6: variants[1].rows: unknown field (allowed: rows_2d, cols_2d, "
    "width_1d, buffer, bandwidth)" },
  { "bad/duplicate-variant.yaml",
    "bad/duplicate-variant.yaml:7:5: variants[1]: duplicate entry (same as variants[0])" },
  { "bad/designs-map.yaml", "bad/designs-map.yaml:2:10: designs: expected a list, got a mapping" },
  { "bad/mapped-budget.yaml",
    "bad/mapped-budget.yaml:2:46: designs[1].budget: expected a number of mappings from 1 to 1000000000, got \"0\"" },
  { "bad/mapped-key.yaml", "bad/mapped-key.yaml:2:29: designs[0].seeds: unknown field (did you mean \"seed\"?)" },
  { "bad/mapped-dup.yaml", "bad/mapped-dup.yaml:2:30: designs[1]: duplicate entry (same as designs[0])" },
  { "bad/empty-arch.yaml",
    "bad/empty-arch.yaml:5:7: arch: empty mapping: give at least one of rows_2d, cols_2d, "
    "width_1d, buffer, bandwidth" },
  { "bad/malformed.yaml",
    "bad/malformed.yaml:3:7: YAML syntax error: did not find expected ',' or ']' (while "
    "parsing a flow sequence at line 2, column 10)" },
  { "bad/huge.yaml", "bad/huge.yaml:6:3: arch: more than 10000000 variants" },
  { "bad/empty-file.yaml", "bad/empty-file.yaml:1:1: empty file: expected a YAML document" },
  { "bad/top-list.yaml", "bad/top-list.yaml:2:1: expected a mapping, got a sequence" },
  { "bad/absent.yaml", "bad/absent.yaml: No such file or directory" },
};

static void test_bad_sweeps(void **st) {
  (void)st;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    rs_sweep *s = (rs_sweep *)1;
    at_err e = { "" };
    int rc = rs_sweep_load(cases[i].file, &s, &e);
    if (rc != -1 || strcmp(e.msg, cases[i].msg))
      fail_msg("%s:\n  got  %s\n  want %s", cases[i].file, e.msg, cases[i].msg);
    assert_null(s);
  }
}

/* A design the engine does not know is found when the sweep runs (sim/ is
** the judge), still with the entry's location. */
static void test_unknown_design_located(void **st) {
  (void)st;
  rs_sweep *s;
  at_err e;
  assert_int_equal(rs_sweep_load("bad/unknown-design.yaml", &s, &e), 0);
  rs_sweep_opts o = { .engine = "analytical", .jobs = 1, .nshards = 1, .dry_run = 1 };
  rs_sweep_stats stats;
  assert_int_equal(rs_sweep_run(s, &o, &stats, &e), -1);
  assert_true(!strncmp(e.msg, "bad/unknown-design.yaml:2:20: designs[1]: unknown design "
                              "'fusemux'", 65));
  o.engine = "systemc";
  assert_int_equal(rs_sweep_run(s, &o, &stats, &e), -1);
  assert_string_equal(e.msg, "unknown engine 'systemc' (engines: analytical, cycle, cycle-data, rtl)");
  rs_sweep_free(s);
}

static rs_sweep *shipped(const char *name) {
  char path[256];
  snprintf(path, sizeof path, "%s/experiments/%s", getenv("ATTNSIM_DATA_DIR"), name);
  rs_sweep *s;
  at_err e;
  if (rs_sweep_load(path, &s, &e)) fail_msg("%s", e.msg);
  return s;
}

static void test_shipped_sweeps(void **st) {
  (void)st;
  rs_sweep *s = shipped("fusemax-paper.yaml");
  assert_int_equal(s->npoints, 120);
  assert_int_equal(s->ndesigns, 5);
  assert_string_equal(s->models[1].name, "TrXL");
  assert_int_equal(s->seqs[5], 1 << 20);
  assert_int_equal(s->nvariants, 1);
  assert_int_equal(s->variants[0].rows_2d, 0);
  rs_sweep_free(s);

  /* The array-size sweep: 16..512 both ways (non-square included). */
  s = shipped("array-sizes.yaml");
  assert_int_equal(s->npoints, 2 * 648);
  /* hand-written, and mapped: the mapper per shape at its default budget */
  assert_int_equal(s->ndesigns, 2);
  assert_false(s->mapped[0].on);
  assert_true(s->mapped[1].on);
  assert_string_equal(s->designs[1], "mapped:fusemax");
  assert_string_equal(s->mapped[1].base, "fusemax");
  assert_int_equal(s->mapped[1].budget, 200000);
  assert_int_equal(s->mapped[1].seed, 1);
  int square = 0, tall = 0, wide = 0;
  for (int i = 0; i < s->nvariants; i++) {
    const sim_overrides *v = &s->variants[i];
    assert_true(v->rows_2d >= 16 && v->rows_2d <= 512 && v->cols_2d >= 16 && v->cols_2d <= 512);
    square += v->rows_2d == v->cols_2d;
    tall += v->rows_2d > v->cols_2d;
    wide += v->rows_2d < v->cols_2d;
  }
  assert_int_equal(square, 6 * 9);
  assert_int_equal(tall, 15 * 9);
  assert_int_equal(wide, 15 * 9);
  /* Product order: the first key varies slowest, the last fastest. */
  assert_int_equal(s->variants[0].rows_2d, 16);
  assert_int_equal(s->variants[0].buffer_bytes, 1 << 20);
  assert_int_equal(s->variants[1].buffer_bytes, 4 << 20);
  assert_int_equal(s->variants[3].width_1d, 256);
  assert_int_equal(s->variants[9].cols_2d, 32);
  assert_int_equal(s->variants[54].rows_2d, 32);
  rs_sweep_free(s);

  /* pareto.yaml is `attnsim pareto`'s rule written out. */
  s = shipped("pareto.yaml");
  assert_int_equal(s->npoints, 24);
  assert_int_equal(s->seqs[0], 256 << 10);
  assert_int_equal(s->nvariants, 6);
  for (int i = 0; i < 6; i++) {
    sim_overrides want;
    at_err e;
    assert_int_equal(paper_pareto_overrides(16 << i, &want, &e), 0);
    assert_memory_equal(&s->variants[i], &want, sizeof want);
  }
  rs_sweep_free(s);
}

/* Points are numbered design-major, variant fastest; shards partition. */
static void test_order_and_shards(void **st) {
  (void)st;
  rs_sweep *s = shipped("fusemax-paper.yaml");
  rs_sweep_point p = rs_sweep_at(s, 0);
  assert_int_equal(p.design + p.model + p.seq + p.variant, 0);
  p = rs_sweep_at(s, 7);                   /* design 0, model 1, seq 1 */
  assert_int_equal(p.design, 0);
  assert_int_equal(p.model, 1);
  assert_int_equal(p.seq, 1);
  p = rs_sweep_at(s, 119);
  assert_int_equal(p.design, 4);
  assert_int_equal(p.model, 3);
  assert_int_equal(p.seq, 5);
  int64_t sum = 0;
  for (int i = 0; i < 5; i++) {
    rs_sweep_opts o = { .engine = "analytical", .jobs = 1, .shard = i, .nshards = 5, .dry_run = 1 };
    rs_sweep_stats stats;
    at_err e;
    assert_int_equal(rs_sweep_run(s, &o, &stats, &e), 0);
    assert_true(stats.points > 0 && stats.points < 120);
    sum += stats.points;
  }
  assert_int_equal(sum, 120);
  rs_sweep_free(s);
}

/* Duplicates in long lists: found by sorting (a pairwise scan took
** minutes at 10^5-10^6 entries), and still reported as the earliest repeat
** in file order with the first entry it repeats. */
static void test_long_list_duplicates(void **st) {
  (void)st;
  enum { N = 200000 };
  char path[] = "/tmp/attnsim-sweep-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  assert_non_null(f);
  fprintf(f, "name: long\ndesigns: [fusemax]\nmodels: [bert]\nseq_lens: [");
  for (int i = 0; i < N; i++) fprintf(f, "%s%d", i ? ", " : "", 1000 + i);
  fprintf(f, "]\narch:\n  rows_2d: [8, 16, 32, 16, 8, 16]\n");
  fclose(f);
  rs_sweep *s = NULL;
  at_err e;
  assert_int_equal(rs_sweep_load(path, &s, &e), -1);
  /* rows_2d[3] repeats [1]: earlier in file order than [4] repeating [0] */
  assert_non_null(strstr(e.msg, "arch.rows_2d[3]: duplicate entry (same as arch.rows_2d[1])"));
  f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "name: long\ndesigns: [fusemax]\nmodels: [bert]\nseq_lens: [");
  for (int i = 0; i < N; i++) fprintf(f, "%s%d", i ? ", " : "", 1000 + (i % 150000));
  fprintf(f, "]\n");
  fclose(f);
  assert_int_equal(rs_sweep_load(path, &s, &e), -1);
  assert_non_null(strstr(e.msg, "seq_lens[150000]: duplicate entry (same as seq_lens[0])"));
  f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "name: long\ndesigns: [fusemax]\nmodels: [bert]\nseq_lens: [");
  for (int i = 0; i < N; i++) fprintf(f, "%s%d", i ? ", " : "", 1000 + i);
  fprintf(f, "]\n");
  fclose(f);
  assert_int_equal(rs_sweep_load(path, &s, &e), 0);
  assert_int_equal(s->npoints, N);
  rs_sweep_free(s);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bad_sweeps),
    cmocka_unit_test(test_unknown_design_located),
    cmocka_unit_test(test_shipped_sweeps),
    cmocka_unit_test(test_order_and_shards),
    cmocka_unit_test(test_long_list_duplicates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
