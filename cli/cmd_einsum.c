/*
** cmd_einsum.c: `attnsim check` and `attnsim eval`, the command-line face
** of einsum/: load and check a cascade, bind sizes, print analyses (for
** people, or one JSON object), and run the reference interpreter.
*/
#include "cli.h"
#include "einsum.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char check_help[] =
  "usage: attnsim check FILE [--set NAME=SIZE,...] [--json]\n\n"
  "Parses and checks a cascade of Einsums.  Errors are printed as\n"
  "FILE:LINE:COL: message, with exit status 2.  With --set (sizes such as\n"
  "E=64,F=64,M=4096,P=4096,M0=256; 4K and 1M are accepted), also prints per\n"
  "Einsum its iteration space and operation counts, per rank the passes, and\n"
  "per tensor its footprint in elements.  Passes need no sizes.\n\n"
  "  --set SPEC   rank sizes, positive (repeatable; each name once over all of\n"
  "               them; split parts left out are derived)\n"
  "  --json       print one JSON object instead of tables\n\n"
  CLI_HELP_NUMBERS;

static const char eval_help[] =
  "usage: attnsim eval FILE --set NAME=SIZE,... [--seed S] [--max-elements N] [--max-ops N]\n\n"
  "Evaluates the cascade in double precision on inputs filled with uniform\n"
  "values in [-1,1) from seed S (default 1).  If the cascade has inputs Q[e,p],\n"
  "K[e,m], V[f,m] and output AV[f,p], compares AV with plain softmax attention\n"
  "(no 1/sqrt(E) scale) and prints max_abs_err=X; exit status 1 if X > 1e-9.\n"
  "Otherwise prints each output's element count, sum and extremes.\n\n"
  "  --set SPEC          rank sizes (required; as for attnsim check)\n"
  "  --seed S            random seed, 0 to 2^64-1, no suffix (default 1)\n"
  "  --max-elements N    refuse cascades needing more elements (a positive\n"
  "                      size; default 64M)\n"
  "  --max-ops N         refuse cascades needing more operations (a positive\n"
  "                      size; default 4G)\n\n"
  CLI_HELP_NUMBERS;

typedef struct opts {
  const char *file;
  es_binding bind;
  int have_bind, json;
  uint64_t seed, max_elements, max_ops;
} opts;

/* One --set value into b.  Each NAME=SIZE goes through es_binding_parse
** alone, so that a name given twice, in this value or an earlier --set, is
** refused instead of the last size silently winning; so is an empty entry
** ("E=64,"). */
static int set_parse(const char *spec, es_binding *b, at_err *e) {
  for (const char *s = spec;; s++) {
    size_t k = strcspn(s, ",");
    char item[ES_MAX_NAME + 64];
    if (k == 0) return at_errf(e, "--set: empty entry in '%.64s'", spec);
    if (k >= sizeof item) return at_errf(e, "--set: '%.*s' is too long", (int)k, s);
    memcpy(item, s, k);
    item[k] = 0;
    es_binding one = { 0 };
    if (es_binding_parse(item, &one, e)) return -1;
    for (int i = 0; i < b->n; i++)
      if (!strcmp(b->name[i], one.name[0]))
        return at_errf(e, "--set: %s is given twice (%s=%lld, then %s)", one.name[0], b->name[i],
                       (long long)b->value[i], item);
    if (es_binding_set(b, one.name[0], one.value[0], e)) return -1;
    s += k;
    if (!*s) return 0;
  }
}

static int parse_opts(int argc, char **argv, opts *o, const char *help, int is_eval) {
  static const struct option lo[] = {
    { "set", required_argument, 0, 's' }, { "json", no_argument, 0, 'j' },
    { "seed", required_argument, 0, 'S' }, { "max-elements", required_argument, 0, 'X' },
    { "max-ops", required_argument, 0, 'O' },
    { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  memset(o, 0, sizeof *o);
  o->seed = 1;
  o->max_elements = 64u << 20;
  o->max_ops = 4ull << 30;
  at_err e;
  int ch;
  optind = 1;
  opterr = 0;
  int li = -1;
  while ((ch = getopt_long(argc, argv, ":h", lo, &li)) != -1) {
    switch (ch) {
    case 's':
      if (set_parse(optarg, &o->bind, &e)) return cli_fail(&e);
      o->have_bind = 1;
      break;
    case 'j':
      if (is_eval) goto bad;
      o->json = 1;
      break;
    case 'S':
      if (!is_eval) goto bad;
      if (cli_opt_u64("--seed", optarg, &o->seed, &e)) return cli_fail(&e);
      break;
    case 'O':
    case 'X': {
      if (!is_eval) goto bad;
      int64_t v;
      if (cli_opt_size(ch == 'O' ? "--max-ops" : "--max-elements", optarg, 1, INT64_MAX, &v, &e))
        return cli_fail(&e);
      if (ch == 'O') o->max_ops = (uint64_t)v; else o->max_elements = (uint64_t)v;
      break;
    }
    case 'h':
      fputs(help, stdout);
      exit(AT_EXIT_OK);
    default:
    bad:
      return cli_bad_option(ch, ch == '?' || ch == ':' ? NULL : lo[li].name, argv, help);
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr, "attnsim: expected one cascade file\n%s", help);
    return AT_EXIT_INPUT;
  }
  o->file = argv[optind];
  return AT_EXIT_OK;
}

/* Original ranks: those not produced by a split. */
static int is_original(const es_cascade *c, int r) { return c->ranks[r].parent < 0; }

static void print_space(FILE *f, const es_cascade *c, const es_einsum *x, int json) {
  for (int k = 0; k < x->nspace; k++) {
    if (json) {
      if (k) fputc(',', f);
      cli_json_str(f, c->ranks[x->space[k]].index);
    } else {
      fprintf(f, "%s%s", k == 0 ? "" : k == x->nspace - x->nsum ? " | sum " : ",", c->ranks[x->space[k]].index);
    }
  }
}

static int print_json(FILE *f, const es_cascade *c, at_err *e) {
  int n = c->neinsums;
  int *pass = malloc(sizeof(int) * (size_t)c->nranks * (size_t)(n ? n : 1));
  if (!pass) return at_errf(e, "out of memory");
  for (int r = 0; r < c->nranks; r++)
    if (is_original(c, r)) es_pass_of(c, r, pass + (size_t)r * (size_t)n);
  fprintf(f, "{\"file\":");
  cli_json_str(f, c->file);
  fprintf(f, ",\"bound\":%s,\"ranks\":[", c->bound ? "true" : "false");
  for (int r = 0; r < c->nranks; r++) {
    const es_rank *R = &c->ranks[r];
    fprintf(f, "%s{\"name\":", r ? "," : "");
    cli_json_str(f, R->name);
    fprintf(f, ",\"index\":");
    cli_json_str(f, R->index);
    fprintf(f, ",\"split_from\":");
    if (R->parent >= 0) cli_json_str(f, c->ranks[R->parent].name); else fputs("null", f);
    fprintf(f, ",\"iterative\":%s", R->iterative ? "true" : "false");
    if (c->bound) fprintf(f, ",\"size\":%lld", (long long)R->size);
    fputc('}', f);
  }
  fprintf(f, "],\"passes\":{");
  int first = 1;
  for (int r = 0; r < c->nranks; r++) {
    if (!is_original(c, r)) continue;
    int best = 0;
    for (int i = 0; i < n; i++) if (pass[(size_t)r * (size_t)n + (size_t)i] > best) best = pass[(size_t)r * (size_t)n + (size_t)i];
    fprintf(f, "%s", first ? "" : ",");
    first = 0;
    cli_json_str(f, c->ranks[r].index);
    fprintf(f, ":%d", best);
  }
  fprintf(f, "},\"einsums\":[");
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) {
    const es_einsum *x = &c->einsums[i];
    fprintf(f, "%s{\"tensor\":", i ? "," : "");
    cli_json_str(f, c->tensors[x->lhs.tensor].name);
    fprintf(f, ",\"line\":%d,\"init\":%s,\"space\":[", x->loc.line, x->is_init ? "true" : "false");
    print_space(f, c, x, 1);
    fprintf(f, "],\"summed\":%d,\"pass\":{", x->nsum);
    first = 1;
    for (int r = 0; r < c->nranks; r++) {
      if (!is_original(c, r)) continue;
      fprintf(f, "%s", first ? "" : ",");
      first = 0;
      cli_json_str(f, c->ranks[r].index);
      fprintf(f, ":%d", pass[(size_t)r * (size_t)n + (size_t)i]);
    }
    fputc('}', f);
    if (c->bound) {
      uint64_t k[ES_K_COUNT], pts;
      if ((rc = es_space_points(c, i, &pts, e)) || (rc = es_op_counts(c, i, k, e))) break;
      fprintf(f, ",\"points\":%llu,\"ops\":{", (unsigned long long)pts);
      for (int j = 0; j < ES_K_COUNT; j++)
        fprintf(f, "%s\"%s\":%llu", j ? "," : "", es_kind_name[j], (unsigned long long)k[j]);
      fputc('}', f);
    }
    fputc('}', f);
  }
  fprintf(f, "],\"tensors\":[");
  for (int t = 0; t < c->ntensors && !rc; t++) {
    const es_tensor *T = &c->tensors[t];
    fprintf(f, "%s{\"name\":", t ? "," : "");
    cli_json_str(f, T->name);
    fprintf(f, ",\"kind\":\"%s\",\"iterative\":%s,\"dims\":[",
            T->is_input ? "input" : T->is_output ? "output" : "intermediate",
            T->iter_dim >= 0 ? "true" : "false");
    for (int d = 0; d < T->ndims; d++) {
      if (d) fputc(',', f);
      cli_json_str(f, c->ranks[T->dim[d]].index);
    }
    fputc(']', f);
    if (c->bound) {
      uint64_t el, live;
      if ((rc = es_footprint(c, t, &el, &live, e))) break;
      fprintf(f, ",\"elements\":%llu,\"live_elements\":%llu", (unsigned long long)el, (unsigned long long)live);
    }
    fputc('}', f);
  }
  free(pass);
  if (rc) return rc;
  fprintf(f, "]}\n");
  return 0;
}

static int print_text(FILE *f, const es_cascade *c, at_err *e) {
  int ninit = 0;
  for (int i = 0; i < c->neinsums; i++) ninit += c->einsums[i].is_init;
  fprintf(f, "%s: ok: %d ranks, %d tensors, %d Einsums (+%d init)\n", c->file, c->nranks,
          c->ntensors, c->neinsums - ninit, ninit);
  fprintf(f, "passes:");
  for (int r = 0; r < c->nranks; r++)
    if (is_original(c, r)) fprintf(f, " %s=%d", c->ranks[r].index, es_passes(c, r));
  fputc('\n', f);
  if (!c->bound) {
    fprintf(f, "(give sizes with --set to see operation counts and footprints)\n");
    return 0;
  }
  fprintf(f, "sizes:");
  for (int r = 0; r < c->nranks; r++) fprintf(f, " %s=%lld", c->ranks[r].name, (long long)c->ranks[r].size);
  fprintf(f, "\n\n%-10s %5s  %-22s", "einsum", "line", "space | summed");
  for (int j = 0; j < ES_K_COUNT; j++) fprintf(f, " %14s", es_kind_name[j]);
  fputc('\n', f);
  for (int i = 0; i < c->neinsums; i++) {
    const es_einsum *x = &c->einsums[i];
    uint64_t k[ES_K_COUNT];
    if (es_op_counts(c, i, k, e)) return -1;
    char name[ES_MAX_NAME + 8];
    snprintf(name, sizeof name, "%s%s", x->is_init ? "init " : "", c->tensors[x->lhs.tensor].name);
    fprintf(f, "%-10s %5d  ", name, x->loc.line);
    char sp[256] = "";
    FILE *m = fmemopen(sp, sizeof sp, "w");
    if (m) { print_space(m, c, x, 0); fclose(m); } else sp[0] = 0;
    fprintf(f, "%-22s", sp);
    for (int j = 0; j < ES_K_COUNT; j++) fprintf(f, " %14llu", (unsigned long long)k[j]);
    fputc('\n', f);
  }
  fprintf(f, "\n%-10s %-12s %-14s %16s %16s\n", "tensor", "kind", "dims", "elements", "live");
  for (int t = 0; t < c->ntensors; t++) {
    const es_tensor *T = &c->tensors[t];
    uint64_t el, live;
    if (es_footprint(c, t, &el, &live, e)) return -1;
    char dims[128] = "";
    size_t n = 0;
    for (int d = 0; d < T->ndims && n < sizeof dims - ES_MAX_NAME - 4; d++)
      n += (size_t)snprintf(dims + n, sizeof dims - n, "%s%s%s", d ? "," : "", c->ranks[T->dim[d]].index,
                            d == T->iter_dim ? "+" : "");
    fprintf(f, "%-10s %-12s %-14s %16llu %16llu\n", T->name,
            T->is_input ? "input" : T->is_output ? "output" : "intermediate", dims,
            (unsigned long long)el, (unsigned long long)live);
  }
  return 0;
}

static int load(const opts *o, es_cascade **c) {
  at_err e;
  if (es_load(o->file, c, &e)) return cli_fail(&e);
  if (o->have_bind && es_bind(*c, &o->bind, &e)) {
    es_free(*c);
    *c = NULL;
    return cli_fail(&e);
  }
  return AT_EXIT_OK;
}

int cmd_check(int argc, char **argv) {
  opts o;
  int rc = parse_opts(argc, argv, &o, check_help, 0);
  if (rc) return rc;
  es_cascade *c;
  if ((rc = load(&o, &c))) return rc;
  /* Printed into memory first: an error met part-way (a count that
  ** overflows at these sizes) leaves stdout empty, never a torn table or
  ** half a JSON object. */
  at_err e;
  char *out = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&out, &len);
  if (!m) { es_free(c); fprintf(stderr, "attnsim: out of memory\n"); return AT_EXIT_FAIL; }
  int bad = o.json ? print_json(m, c, &e) : print_text(m, c, &e);
  if (fclose(m) && !bad) bad = at_errf(&e, "attnsim: out of memory");
  if (bad) rc = cli_fail(&e);
  else fwrite(out, 1, len, stdout);
  free(out);
  es_free(c);
  return rc;
}

/* Shape check for the attention comparison: T has dims named as given. */
static int dims_are(const es_cascade *c, int t, const char *a, const char *b) {
  if (t < 0 || c->tensors[t].ndims != 2) return 0;
  return !strcmp(c->ranks[c->tensors[t].dim[0]].index, a) && !strcmp(c->ranks[c->tensors[t].dim[1]].index, b);
}

int cmd_eval(int argc, char **argv) {
  opts o;
  int rc = parse_opts(argc, argv, &o, eval_help, 1);
  if (rc) return rc;
  if (!o.have_bind) {
    fprintf(stderr, "attnsim: eval needs sizes: --set NAME=SIZE,...\n");
    return AT_EXIT_INPUT;
  }
  es_cascade *c;
  if ((rc = load(&o, &c))) return rc;
  at_err e;
  /* the interpreter's work: every point of every Einsum and its operations */
  uint64_t work = 0;
  for (int i = 0; i < c->neinsums; i++) {
    uint64_t k[ES_K_COUNT], pts;
    if (es_space_points(c, i, &pts, &e) || es_op_counts(c, i, k, &e) || at_add64(work, pts, &work)) work = UINT64_MAX;
    for (int j = 0; j < ES_K_COUNT && work != UINT64_MAX; j++)
      if (at_add64(work, k[j], &work)) work = UINT64_MAX;
  }
  if (work > o.max_ops) {
    fprintf(stderr, "attnsim: evaluating %s at these sizes takes more than %llu operations; use smaller sizes or raise --max-ops\n",
            c->file, (unsigned long long)o.max_ops);
    es_free(c);
    return AT_EXIT_INPUT;
  }
  es_values v;
  if (es_eval(c, o.seed, o.max_elements, &v, &e)) { es_free(c); return cli_fail(&e); }
  int q = es_find_tensor(c, "Q"), k = es_find_tensor(c, "K"), vv = es_find_tensor(c, "V");
  int av = es_find_tensor(c, "AV");
  int attention = dims_are(c, q, "e", "p") && dims_are(c, k, "e", "m") && dims_are(c, vv, "f", "m") &&
                  dims_are(c, av, "f", "p") && c->tensors[q].is_input && c->tensors[k].is_input &&
                  c->tensors[vv].is_input && c->tensors[av].is_output;
  for (int t = 0; t < c->ntensors; t++) {
    if (!c->tensors[t].is_output) continue;
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    uint64_t nans = 0;
    for (uint64_t i = 0; i < v.len[t]; i++) {
      double x = v.data[t][i];
      if (isnan(x)) { nans++; continue; }
      sum += x;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    printf("%s: %llu elements", c->tensors[t].name, (unsigned long long)v.len[t]);
    if (nans < v.len[t]) printf(", sum=%.17g, min=%.17g, max=%.17g", sum, lo, hi);
    if (nans) printf(", %llu NaN", (unsigned long long)nans);
    putchar('\n');
  }
  if (attention) {
    int r_e = es_find_rank(c, "E"), r_f = es_find_rank(c, "F"), r_m = es_find_rank(c, "M"), r_p = es_find_rank(c, "P");
    int64_t E = c->ranks[r_e].size, F = c->ranks[r_f].size, M = c->ranks[r_m].size, P = c->ranks[r_p].size;
    double *ref = malloc(sizeof(double) * (size_t)(F * P));
    if (!ref) { es_values_free(&v); es_free(c); fprintf(stderr, "attnsim: out of memory\n"); return AT_EXIT_FAIL; }
    es_attention_ref(v.data[q], v.data[k], v.data[vv], E, F, M, P, ref);
    double err = 0;
    for (int64_t i = 0; i < F * P; i++) {
      double d = fabs(ref[i] - v.data[av][i]);
      if (!(d <= err)) err = d;   /* NaN propagates as failure */
    }
    free(ref);
    printf("max_abs_err=%.3e\n", err);
    if (!(err <= 1e-9)) {
      fprintf(stderr, "attnsim: %s disagrees with plain softmax attention (max_abs_err %.3e > 1e-9)\n", c->file, err);
      rc = AT_EXIT_FAIL;
    }
  }
  es_values_free(&v);
  es_free(c);
  return rc;
}
