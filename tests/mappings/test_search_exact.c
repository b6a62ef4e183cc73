/*
** test_search_exact.c: does the mapper rank mappings by what they are?  The
** search builds each candidate into a mapping it reuses, binds it into a
** schedule it reuses and skips work a neighbouring candidate shares; here,
** for every 29th mapping it evaluates (several seeds, FuseMax's 1-pass
** cascade on hw/fusemax.yaml and FLAT's 3-pass cascade on hw/flat.yaml,
** one job and two), the figures it got and its schedule's full result are
** checked bit for bit against the same mapping written to a file, read
** back, bound into a fresh schedule and evaluated from scratch: latency,
** energy (per component too), cycles, per-Einsum counts and every action
** count; and the search gives the same counts, top list and best mapping
** with and without its memo of candidates that build the same mapping.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <cmocka.h>

#include "map_int.h"
#include "sim_bound.h"
#include "bert_dir.h"

#define EVERY 29              /* check one evaluated mapping in EVERY */

static char dir[64];
static wl_workload bert;

typedef struct check {
  pthread_mutex_t lock;
  const hw_arch *a;
  int64_t seq;
  long seen, checked, bad;
  char first_bad[512];
} check;

static int setup(void **state) {
  (void)state;
  return bert_dir_setup(dir, sizeof dir, "exact", &bert);
}

static int teardown(void **state) {
  (void)state;
  return bert_dir_teardown(dir);
}

static int same_bits(const void *a, const void *b, size_t n) { return memcmp(a, b, n) == 0; }

/* Why two results differ, or NULL. */
static const char *differs(const sim_result *x, const sim_result *y) {
  if (x->cycles != y->cycles) return "cycles";
  if (!same_bits(&x->latency_s, &y->latency_s, sizeof x->latency_s)) return "latency";
  if (!same_bits(&x->energy_pJ, &y->energy_pJ, sizeof x->energy_pJ)) return "energy";
  if (!same_bits(x->energy_by, y->energy_by, sizeof x->energy_by)) return "energy by component";
  if (x->compute_cycles != y->compute_cycles || x->memory_cycles != y->memory_cycles) return "compute or memory cycles";
  if (x->traffic_bytes != y->traffic_bytes || x->buffer_bytes != y->buffer_bytes) return "traffic";
  if (!same_bits(&x->util_2d, &y->util_2d, sizeof x->util_2d) || !same_bits(&x->util_1d, &y->util_1d, sizeof x->util_1d))
    return "utilization";
  if (x->n_arrays != y->n_arrays || !same_bits(x->array_busy, y->array_busy, sizeof x->array_busy)) return "array busy";
  if (x->n_einsums != y->n_einsums || !same_bits(x->einsum, y->einsum, sizeof x->einsum[0] * (size_t)x->n_einsums))
    return "per-Einsum results";
  if (!same_bits(&x->act, &y->act, sizeof x->act)) return "action counts";
  if (strcmp(x->bound, y->bound) || strcmp(x->tiling, y->tiling)) return "bound or tiling";
  return NULL;
}

static void bad(check *c, const char *fmt, ...) {
  c->bad++;
  if (c->first_bad[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->first_bad, sizeof c->first_bad, fmt, ap);
  va_end(ap);
}

/* The search's hook: every EVERY-th mapping, against a fresh bind. */
static void hook(void *ctx, const map_spec *m, const sc_schedule *s, const map_figures *f) {
  check *c = ctx;
  pthread_mutex_lock(&c->lock);
  long n = c->seen++;
  if (n % EVERY) { pthread_mutex_unlock(&c->lock); return; }
  c->checked++;
  at_err e;
  sim_result *mine = malloc(sizeof *mine), *fresh = malloc(sizeof *fresh);
  sc_schedule *s2 = calloc(1, sizeof *s2);
  map_spec *m2 = NULL;
  char path[128];
  snprintf(path, sizeof path, "%s/m%ld.yaml", dir, n);
  if (!mine || !fresh || !s2) bad(c, "out of memory");
  else if (sim_eval_schedule(s, mine, &e)) bad(c, "mapping %ld: the search's schedule: %s", n, e.msg);
  else if (mine->cycles != f->cycles || !same_bits(&mine->latency_s, &f->latency_s, sizeof f->latency_s) ||
           !same_bits(&mine->energy_pJ, &f->energy_pJ, sizeof f->energy_pJ))
    bad(c, "mapping %ld: the search ranked it by %.17g s, %.17g pJ; its schedule gives %.17g s, %.17g pJ", n, f->latency_s,
        f->energy_pJ, mine->latency_s, mine->energy_pJ);
  else if (map_write(m, path, &e) || map_load(path, &m2, &e)) bad(c, "mapping %ld: write and read back: %s", n, e.msg);
  else if (map_bind(m2, c->a, &bert, c->seq, s2, &e) || sim_eval_schedule(s2, fresh, &e))
    bad(c, "mapping %ld (%s): a fresh bind and evaluation fail: %s", n, path, e.msg);
  else {
    const char *why = differs(mine, fresh);
    if (why) bad(c, "mapping %ld (%s): %s differ between the search and a fresh bind (%.17g s against %.17g s)", n, path, why,
                 mine->latency_s, fresh->latency_s);
    else unlink(path);
  }
  map_free(m2);
  free(mine);
  free(fresh);
  free(s2);
  pthread_mutex_unlock(&c->lock);
}

static void search(const char *cascade, const char *arch, int64_t seq, uint64_t seed, int jobs, int64_t budget) {
  at_err e;
  hw_arch *a;
  char cpath[512], apath[512];
  snprintf(cpath, sizeof cpath, "%s/einsum/cascades/%s", ATTNSIM_SOURCE_DIR, cascade);
  snprintf(apath, sizeof apath, "%s/hw/%s", ATTNSIM_SOURCE_DIR, arch);
  if (hw_load(apath, &a, &e)) fail_msg("%s", e.msg);
  check c = { .a = a, .seq = seq };
  pthread_mutex_init(&c.lock, NULL);
  map_search_opts o = { .cascade_path = cpath, .arch_path = apath, .arch = a, .w = &bert, .seq = seq, .design = "exact",
                        .objective = MAP_OBJ_LATENCY, .budget = budget, .seed = seed, .jobs = jobs, .engine = &sim_map_engine };
  map_search_result r, plain;
  if (map_search_hooked(&o, &r, hook, &c, 1, &e)) fail_msg("%s", e.msg);
  /* the same search without the memo of built twins: the same counts, best and top list */
  if (map_search_hooked(&o, &plain, NULL, NULL, 0, &e)) fail_msg("%s", e.msg);
  assert_int_equal(r.considered, plain.considered);
  assert_int_equal(r.evaluated, plain.evaluated);
  assert_int_equal(r.failed, plain.failed);
  for (int k = 0; k < MAP_RULE_COUNT; k++) assert_int_equal(r.pruned[k], plain.pruned[k]);
  assert_int_equal(r.ntop, plain.ntop);
  for (int k = 0; k < r.ntop; k++) {
    assert_memory_equal(&r.top_score[k], &plain.top_score[k], sizeof r.top_score[k]);
    assert_string_equal(r.top_desc[k], plain.top_desc[k]);
  }
  assert_true(map_same(r.best, plain.best));
  map_free(r.best);
  map_free(plain.best);
  hw_free(a);
  pthread_mutex_destroy(&c.lock);
  printf("%s on %s, seq %lld, seed %llu, %d job(s): %ld evaluated, %ld checked, %ld differ\n", cascade, arch,
         (long long)seq, (unsigned long long)seed, jobs, c.seen, c.checked, c.bad);
  if (c.bad) fail_msg("%s", c.first_bad);
  assert_int_equal(c.seen, r.evaluated + r.failed);
  assert_true(c.checked >= 20);
}

static void fusemax_1pass(void **state) {
  (void)state;
  search("attention-1pass.einsum", "fusemax.yaml", 65536, 1, 1, 8000);
  search("attention-1pass.einsum", "fusemax.yaml", 1024, 7, 1, 8000);
  search("attention-1pass.einsum", "fusemax.yaml", 65536, 3, 2, 8000);
}

static void flat_3pass(void **state) {
  (void)state;
  search("attention-3pass.einsum", "flat.yaml", 65536, 1, 1, 8000);
  search("attention-3pass.einsum", "flat.yaml", 1024, 5, 1, 8000);
  search("attention-3pass.einsum", "flat.yaml", 4096, 2, 2, 8000);
}

int main(void) {
  const struct CMUnitTest tests[] = { cmocka_unit_test(fusemax_1pass), cmocka_unit_test(flat_3pass) };
  return cmocka_run_group_tests(tests, setup, teardown);
}
