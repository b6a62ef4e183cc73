/*
** test_parse.c: does it parse into the IR the rest of attnsim reads?  Every
** shipped cascade loads; ranks, splits and the iterative rank are recorded;
** accesses are resolved (split terms merged, slices marked); iteration
** spaces list the left's ranks then the implicitly summed ones; Einsums are
** ordered producers first; the lexical details of the grammar hold.
** Refused inputs are covered by the bad-input suite (tests/einsum/bad/).
*/
#include "es_test.h"

#include <stdlib.h>

static void test_shipped_cascades_load(void **s) {
  (void)s;
  static const char *const all[] = { "attention-3pass", "attention-deferred-div", "attention-2pass",
    "attention-1pass", "cascade1", "cascade2", "cascade3", "gemm" };
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    es_cascade *c = load_cascade(all[i]);
    assert_true(c->neinsums > 0);
    assert_non_null(c->order);
    es_free(c);
  }
}

/* The example: attention-1pass, checked field by field. */
static void test_attention_1pass_ir(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-1pass");
  assert_int_equal(c->nranks, 6);                 /* E F M P, then M1 M0 */
  int M = rank_of(c, "M"), M1 = rank_of(c, "M1"), M0 = rank_of(c, "M0");
  assert_string_equal(c->ranks[M1].index, "m1");
  assert_int_equal(c->ranks[M1].parent, M);
  assert_int_equal(c->ranks[M0].parent, M);
  assert_int_equal(c->ranks[M].outer, M1);
  assert_int_equal(c->ranks[M].inner, M0);
  assert_int_equal(c->iter_rank, M1);
  assert_true(c->ranks[M1].iterative);
  assert_false(c->ranks[M0].iterative);
  assert_int_equal(c->ntensors, 15);
  assert_int_equal(c->neinsums, 15);               /* 12 Einsums + 3 inits */

  /* inputs keep the unsplit rank */
  const es_tensor *K = &c->tensors[tensor_of(c, "K")];
  assert_true(K->is_input);
  assert_int_equal(K->ndims, 2);
  assert_int_equal(K->dim[1], M);
  assert_int_equal(K->def, -1);

  /* BQK[m1,m0,p] = Q[e,p] * K[e,m1,m0]: K's second dim is one split term */
  const es_einsum *x = &c->einsums[einsum_of(c, "BQK")];
  assert_int_equal(x->rhs->kind, ES_E_BIN);
  assert_int_equal(x->rhs->op, ES_MUL);
  const es_access *k = &x->rhs->b->acc;
  assert_int_equal(k->tensor, tensor_of(c, "K"));
  assert_int_equal(k->n, 2);
  assert_int_equal(k->ix[1].kind, ES_IX_SPLIT);
  assert_int_equal(k->ix[1].rank, M1);
  assert_int_equal(k->ix[1].rank2, M0);
  /* space: m1, m0, p from the left, then e summed */
  assert_int_equal(x->nspace, 4);
  assert_int_equal(x->nsum, 1);
  assert_int_equal(x->space[3], rank_of(c, "E"));

  /* iterative tensors: the dim written at m1+1, an init for slice 0 */
  const es_tensor *rnv = &c->tensors[tensor_of(c, "RNV")];
  assert_int_equal(rnv->iter_dim, 1);
  assert_true(rnv->init >= 0);
  assert_true(c->einsums[rnv->init].is_init);
  assert_int_equal(c->einsums[rnv->init].lhs.ix[1].kind, ES_IX_ZERO);
  const es_einsum *rm = &c->einsums[einsum_of(c, "RM")];
  assert_int_equal(rm->lhs.ix[0].kind, ES_IX_VAR);
  assert_int_equal(rm->lhs.ix[0].offset, 1);
  assert_int_equal(rm->nspace, 2);                 /* m1, p */
  /* a reduction is an expression, not part of the space */
  const es_einsum *lm = &c->einsums[einsum_of(c, "LM")];
  assert_int_equal(lm->nspace, 2);
  assert_int_equal(lm->nsum, 0);
  assert_int_equal(lm->rhs->kind, ES_E_REDUCE);
  assert_int_equal(lm->rhs->op, ES_MAX);
  assert_int_equal(lm->rhs->nred, 1);
  assert_int_equal(lm->rhs->red[0], M0);
  /* AV reads the final slice */
  const es_einsum *av = &c->einsums[einsum_of(c, "AV")];
  assert_int_equal(av->rhs->a->acc.ix[1].kind, ES_IX_LAST);
  assert_int_equal(av->rhs->a->acc.ix[1].rank, M1);
  assert_true(c->tensors[tensor_of(c, "AV")].is_output);
  /* -inf is a constant */
  const es_einsum *irm = &c->einsums[c->tensors[tensor_of(c, "RM")].init];
  assert_int_equal(irm->rhs->kind, ES_E_NUM);
  assert_true(isinf(irm->rhs->num) && irm->rhs->num < 0);
  es_free(c);
}

/* Producers come before consumers, loop-carried reads aside. */
static int position(const es_cascade *c, int einsum) {
  for (int k = 0; k < c->neinsums; k++) if (c->order[k] == einsum) return k;
  fail_msg("einsum %d not in order", einsum);
  return -1;
}
static void test_dependency_order(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-1pass");
  static const char *const before[][2] = {
    { "BQK", "LM" }, { "LM", "RM" }, { "RM", "SLN" }, { "SLN", "SLD" }, { "PRM", "SPD" },
    { "SPD", "RD" }, { "SPNV", "RNV" }, { "RNV", "AV" }, { "RD", "AV" } };
  for (size_t i = 0; i < sizeof before / sizeof before[0]; i++)
    if (position(c, einsum_of(c, before[i][0])) >= position(c, einsum_of(c, before[i][1])))
      fail_msg("%s ordered after %s", before[i][0], before[i][1]);
  /* PRM reads RM[m1] (carried: needs the init) and RM[m1+1] (needs RM) */
  assert_true(position(c, einsum_of(c, "RM")) < position(c, einsum_of(c, "PRM")));
  assert_true(position(c, c->tensors[tensor_of(c, "RM")].init) < position(c, einsum_of(c, "RM")));
  es_free(c);
}

/* Scalars are written without brackets (or with empty ones). */
static void test_scalars(void **s) {
  (void)s;
  es_cascade *c = load_cascade("cascade1");
  const es_tensor *Y = &c->tensors[tensor_of(c, "Y")];
  assert_int_equal(Y->ndims, 0);
  assert_int_equal(c->einsums[Y->def].nsum, 1);    /* k summed */
  es_free(c);
  c = parse_text("ranks K\ninput A[k]\nS[] = A[k]\noutput Z = S * S[]\n");
  assert_int_equal(c->tensors[tensor_of(c, "S")].ndims, 0);
  es_free(c);
}

/* Precedence: * and / bind tighter than + and -, both left-associative;
** unary minus binds tightest; parentheses override. */
static void test_precedence(void **s) {
  (void)s;
  es_cascade *c = parse_text("ranks K\ninput A B C D\noutput Z = A - B * C / D - -A\n");
  const es_expr *x = c->einsums[0].rhs;           /* ((A - ((B*C)/D)) - (-A)) */
  assert_int_equal(x->kind, ES_E_BIN);
  assert_int_equal(x->op, ES_SUB);
  assert_int_equal(x->b->kind, ES_E_NEG);
  assert_int_equal(x->a->op, ES_SUB);
  assert_int_equal(x->a->a->kind, ES_E_ACCESS);
  assert_int_equal(x->a->b->op, ES_DIV);
  assert_int_equal(x->a->b->a->op, ES_MUL);
  es_free(c);
  c = parse_text("ranks K\ninput A B C\noutput Z = (A - B) * C\n");
  x = c->einsums[0].rhs;
  assert_int_equal(x->op, ES_MUL);
  assert_int_equal(x->a->op, ES_SUB);
  es_free(c);
}

/* max/min of two, reductions over one or more indices, exp. */
static void test_functions(void **s) {
  (void)s;
  es_cascade *c = parse_text(
    "ranks P Q\ninput A[p,q] B[p,q]\n"
    "X[p] = max(A[p,q], B[p,q])\n"
    "Y = min(p, q: exp(A[p,q]))\n"
    "output Z = sum(p: X[p]) + Y\n");
  const es_expr *x = c->einsums[0].rhs;
  assert_int_equal(x->kind, ES_E_BIN);
  assert_int_equal(x->op, ES_MAX);
  assert_int_equal(c->einsums[0].nsum, 1);        /* q summed around the max */
  const es_expr *y = c->einsums[1].rhs;
  assert_int_equal(y->kind, ES_E_REDUCE);
  assert_int_equal(y->op, ES_MIN);
  assert_int_equal(y->nred, 2);
  assert_int_equal(y->a->kind, ES_E_EXP);
  assert_int_equal(c->einsums[1].nspace, 0);
  es_free(c);
}

/* Numbers, comments, blank lines, CRLF line ends, tabs, no final newline,
** and `output X[..]` declared apart from its definition. */
static void test_lexical(void **s) {
  (void)s;
  es_cascade *c = parse_text(
    "# a comment line\r\n"
    "\r\n"
    "ranks\tP   # trailing comment\r\n"
    "input A[ p ]\r\n"
    "output Z[p]\n"
    "Z[p] = A[p] * 1.5e-3 + .25 - 2E2 + inf");
  const es_expr *x = c->einsums[0].rhs;            /* (((A*1.5e-3) + .25) - 2E2) + inf */
  assert_true(isinf(x->b->num));
  assert_near(x->a->b->num, 200, 0);
  assert_near(x->a->a->b->num, 0.25, 0);
  assert_near(x->a->a->a->b->num, 1.5e-3, 0);
  assert_true(c->tensors[tensor_of(c, "Z")].is_output);
  es_free(c);
}

/* Names up to 31 characters; underscores and digits after the first. */
static void test_names(void **s) {
  (void)s;
  es_cascade *c = parse_text(
    "ranks SEQ_LEN2 H\n"
    "input T_1[seq_len2,h]\n"
    "output ABCDEFGHIJKLMNOPQRSTUVWXYZ_1234[h] = T_1[seq_len2,h]\n");
  assert_int_equal(es_find_rank(c, "SEQ_LEN2"), 0);
  assert_string_equal(c->ranks[0].index, "seq_len2");
  assert_true(es_find_tensor(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_1234") >= 0);
  assert_int_equal(es_find_tensor(c, "NOPE"), -1);
  assert_int_equal(es_find_rank(c, "NOPE"), -1);
  es_free(c);
}

/* Messages carry the name given to es_parse, 1-based line and column. */
static void test_error_location(void **s) {
  (void)s;
  at_err e;
  assert_string_equal(parse_error("ranks P\ninput A[p]\n  output Z = B\n", &e),
                      "inline.einsum:3:14: undefined tensor 'B'");
  assert_string_equal(parse_error("", &e),
                      "inline.einsum:1:1: the cascade has no output (mark its result with 'output')");
  /* the text need not be NUL-terminated: only len bytes are read */
  es_cascade *c;
  const char text[] = "ranks P\ninput A[p]\noutput Z[p] = A[p] $$$";
  assert_int_equal(es_parse("x.einsum", text, strlen(text) - 4, &c, &e), 0);
  es_free(c);
  es_free(NULL);
}

/* es_load: a missing file is an error with the path, not a crash. */
static void test_missing_file(void **s) {
  (void)s;
  es_cascade *c;
  at_err e;
  assert_int_equal(es_load("/nonexistent/x.einsum", &c, &e), -1);
  assert_null(c);
  assert_non_null(strstr(e.msg, "/nonexistent/x.einsum"));
}

/* Bounds that keep every walk cheap on any input: 1000 operators on a
** root-to-leaf path, 10000 tensors, 10000 Einsums. */
static char *repeat(const char *head, const char *unit, int n, const char *tail) {
  size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
  char *s = malloc(hl + ul * (size_t)n + tl + 1);
  assert_non_null(s);
  memcpy(s, head, hl);
  for (int i = 0; i < n; i++) memcpy(s + hl + ul * (size_t)i, unit, ul);
  memcpy(s + hl + ul * (size_t)n, tail, tl + 1);
  return s;
}
static void test_limits(void **s) {
  (void)s;
  at_err e;
  char *t = repeat("ranks P\ninput A\noutput Z = A", "+A", 1000, "\n");
  es_cascade *c = parse_text(t);                /* a chain of 1000 adds */
  es_free(c);
  free(t);
  t = repeat("ranks P\ninput A\noutput Z = A", "+A", 1001, "\n");
  assert_string_equal(parse_error(t, &e), "inline.einsum:3:2013: expression too deep: more than 1000 "
                      "operations nested or chained (split it into several Einsums)");
  free(t);
  t = repeat("ranks P\ninput A\noutput Z = ", "exp(", 1000, "A");
  char *u = repeat(t, ")", 1000, "\n");      /* 1000 nested calls: 200 is the nesting bound */
  assert_string_equal(parse_error(u, &e), "inline.einsum:3:812: expression nested too deeply");
  free(t);
  free(u);
  t = repeat("ranks P\ninput A\nX = A\n", "X = A\n", 10000, "output Z = X\n");
  assert_string_equal(parse_error(t, &e), "inline.einsum:10003:1: more than 10000 Einsums in one cascade");
  free(t);
  /* 10000 distinct tensors: A and T1..T9999; T10000 is one too many */
  size_t cap = 200000, n = 0;
  t = malloc(cap);
  assert_non_null(t);
  n += (size_t)snprintf(t, cap, "ranks P\ninput A\n");
  for (int i = 1; i <= 10000; i++) n += (size_t)snprintf(t + n, cap - n, "T%d = A\n", i);
  snprintf(t + n, cap - n, "output Z = A\n");
  assert_string_equal(parse_error(t, &e), "inline.einsum:10002:1: more than 10000 tensors in one cascade");
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_shipped_cascades_load),
    cmocka_unit_test(test_attention_1pass_ir),
    cmocka_unit_test(test_dependency_order),
    cmocka_unit_test(test_scalars),
    cmocka_unit_test(test_precedence),
    cmocka_unit_test(test_functions),
    cmocka_unit_test(test_lexical),
    cmocka_unit_test(test_names),
    cmocka_unit_test(test_error_location),
    cmocka_unit_test(test_missing_file),
    cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
