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
  "usage: attnsim check FILE [--set NAME=SIZE,...] [--mask NAME=FILE] [--json]\n\n"
  "Parses and checks a cascade of Einsums.  Errors are printed as\n"
  "FILE:LINE:COL: message, with exit status 2.  With --set (sizes such as\n"
  "E=64,F=64,M=4096,P=4096,M0=256; 4K and 1M are accepted), also prints per\n"
  "Einsum its iteration space and operation counts, per rank the passes, and\n"
  "per tensor its footprint in elements.  Passes need no sizes.  Operation\n"
  "counts are exact and count only the points a cascade's predicates keep\n"
  "(`where`, masks); --set also binds params (W=4096) and densities\n"
  "(DENSITY=0.1).  --json adds run_points, the points that run, per Einsum.\n\n"
  "  --set SPEC   sizes of ranks, params and heads (positive) and mask\n"
  "               densities (in (0, 1]); repeatable, each name once over all\n"
  "               of them; split parts left out are derived\n"
  "  --mask NAME=FILE  the pattern of `mask NAME[..] file`: a line of 0 and 1\n"
  "               per key tile, one character per query tile (repeatable)\n"
  "  --json       print one JSON object instead of tables\n\n"
  CLI_HELP_NUMBERS;

static const char eval_help[] =
  "usage: attnsim eval FILE --set NAME=SIZE,... [--mask NAME=FILE] [--seed S]\n"
  "                   [--max-elements N] [--max-ops N]\n\n"
  "Evaluates the cascade in double precision on inputs filled with uniform\n"
  "values in [-1,1) from seed S (default 1).  If the cascade has inputs Q[e,p],\n"
  "K[e,m], V[f,m] and output AV[f,p] (or with head ranks between, such as\n"
  "Q[e,g,h,p] K[e,h,m] V[f,h,m] AV[f,g,h,p]; AV[f,p1,p0] counts as AV[f,p]),\n"
  "compares AV head by head with softmax attention (no 1/sqrt(E) scale),\n"
  "or if no Einsum uses exp with linear attention, sum_m (Q.K) V, masked by\n"
  "the cascade's where lines and masks (else its suffixes), and prints\n"
  "max_abs_err=X; exit status 1 if X > 1e-9.  Prints each output's element\n"
  "count, sum and extremes first.\n\n"
  "  --set SPEC          sizes, as for attnsim check (required)\n"
  "  --mask NAME=FILE    a file mask's pattern, as for attnsim check\n"
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
  int nmask;                  /* --mask NAME=FILE, in order */
  char mask[8][ES_MAX_NAME];
  const char *mask_file[8];
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
    b->real[b->n - 1] = one.real[0];    /* a density (0.1), or what was written */
    s += k;
    if (!*s) return 0;
  }
}

static int parse_opts(int argc, char **argv, opts *o, const char *help, int is_eval) {
  static const struct option lo[] = {
    { "set", required_argument, 0, 's' }, { "json", no_argument, 0, 'j' },
    { "seed", required_argument, 0, 'S' }, { "max-elements", required_argument, 0, 'X' },
    { "max-ops", required_argument, 0, 'O' }, { "mask", required_argument, 0, 'M' },
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
  if ((ch = cli_abbreviated(argc, argv, lo))) return cli_usage_error(help, "bad option '%s'", argv[ch]);
  while ((ch = getopt_long(argc, argv, ":h", lo, &li)) != -1) {
    switch (ch) {
    case 's':
      if (set_parse(optarg, &o->bind, &e)) return cli_fail(&e);
      o->have_bind = 1;
      break;
    case 'M': {
      const char *eq = strchr(optarg, '=');
      if (!eq || eq == optarg || !eq[1] || (size_t)(eq - optarg) >= ES_MAX_NAME || o->nmask == 8) {
        fprintf(stderr, "attnsim: --mask needs NAME=FILE (at most 8), got '%s'\n", optarg);
        return AT_EXIT_INPUT;
      }
      memcpy(o->mask[o->nmask], optarg, (size_t)(eq - optarg));
      o->mask[o->nmask][eq - optarg] = 0;
      o->mask_file[o->nmask++] = eq + 1;
      break;
    }
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
  fprintf(f, "]");
  if (c->nparams) {
    /* sizes that are not ranks: `param`, heads, mask densities */
    fprintf(f, ",\"params\":{");
    for (int i = 0; i < c->nparams; i++) {
      const es_param *P = &c->params[i];
      fprintf(f, "%s", i ? "," : "");
      cli_json_str(f, P->name);
      if (!c->bound) fputs(":null", f);
      else if (P->kind == ES_P_DENSITY) fprintf(f, ":%.17g", P->density);
      else fprintf(f, ":%lld", (long long)P->size);
    }
    fputc('}', f);
  }
  fprintf(f, ",\"passes\":{");
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
      fprintf(f, ",\"points\":%llu", (unsigned long long)pts);
      if (es_has_preds(c)) {
        uint64_t run;
        if ((rc = es_points(c, i, NULL, &run, e))) break;
        fprintf(f, ",\"run_points\":%llu", (unsigned long long)run);
      }
      fprintf(f, ",\"ops\":{");
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
  for (int i = 0; i < c->nparams; i++) {
    const es_param *P = &c->params[i];
    if (P->kind == ES_P_DENSITY) fprintf(f, " %s=%g", P->name, P->density);
    else fprintf(f, " %s=%lld", P->name, (long long)P->size);
  }
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
  int bad = o->have_bind && es_bind(*c, &o->bind, &e);
  for (int i = 0; i < o->nmask && !bad; i++) bad = es_mask_load(*c, o->mask[i], o->mask_file[i], &e);
  if (bad) {
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

/* The ranks tensor t's dims stand for, an adjacent split pair (p1,p0)
** merged into its parent (p): AV[f,p1,p0] is laid out as AV[f,p]. */
static int flat_dims(const es_cascade *c, int t, int *out) {
  int n = 0;
  const es_tensor *T = &c->tensors[t];
  for (int d = 0; d < T->ndims; d++) {
    out[n++] = T->dim[d];
    while (n >= 2) {
      int par = c->ranks[out[n - 2]].parent;
      if (par < 0 || c->ranks[par].outer != out[n - 2] || c->ranks[par].inner != out[n - 1]) break;
      out[n - 2] = par;
      n--;
    }
  }
  return n;
}

/* Attention's shape: Q[e,H..,p] K[e,Hk..,m] V[f,Hk..,m] AV[f,H..,p] with
** Hk a subsequence of the head ranks H (none: plain attention; GQA:
** Q[e,g,h,p] K[e,h,m]).  Fills the tensors and the ranks. */
typedef struct att {
  int q, k, v, av;
  int e, f, m, p;
  int nh, h[ES_MAX_DIMS];     /* Q's head ranks */
  int nkh, kh[ES_MAX_DIMS];   /* K's and V's head ranks, each one of h[] */
  int linear;                 /* no exp anywhere: linear attention */
} att;

static int has_exp(const es_expr *x) {
  return x && (x->kind == ES_E_EXP || has_exp(x->a) || has_exp(x->b));
}

static int is_attention(const es_cascade *c, att *a) {
  a->q = es_find_tensor(c, "Q"), a->k = es_find_tensor(c, "K"), a->v = es_find_tensor(c, "V");
  a->av = es_find_tensor(c, "AV");
  if (a->q < 0 || a->k < 0 || a->v < 0 || a->av < 0) return 0;
  if (!c->tensors[a->q].is_input || !c->tensors[a->k].is_input || !c->tensors[a->v].is_input ||
      !c->tensors[a->av].is_output)
    return 0;
  int dq[ES_MAX_DIMS], dk[ES_MAX_DIMS], dv[ES_MAX_DIMS], da[ES_MAX_DIMS];
  int nq = flat_dims(c, a->q, dq), nk = flat_dims(c, a->k, dk), nv = flat_dims(c, a->v, dv), na = flat_dims(c, a->av, da);
  if (nq < 2 || nk < 2 || nv != nk || na != nq) return 0;
  a->e = dq[0], a->p = dq[nq - 1], a->m = dk[nk - 1], a->f = dv[0];
  if (strcmp(c->ranks[a->e].index, "e") || strcmp(c->ranks[a->p].index, "p") || strcmp(c->ranks[a->m].index, "m") ||
      strcmp(c->ranks[a->f].index, "f") || dk[0] != a->e || dv[nv - 1] != a->m || da[0] != a->f || da[na - 1] != a->p)
    return 0;
  a->nh = nq - 2;
  for (int i = 0; i < a->nh; i++) {
    a->h[i] = dq[i + 1];
    if (da[i + 1] != a->h[i]) return 0;
  }
  a->nkh = nk - 2;
  for (int i = 0, j = 0; i < a->nkh; i++) {
    if (dv[i + 1] != dk[i + 1]) return 0;
    while (j < a->nh && a->h[j] != dk[i + 1]) j++;
    if (j++ == a->nh) return 0;
    a->kh[i] = dk[i + 1];
  }
  a->linear = 1;
  for (int i = 0; i < c->neinsums; i++) a->linear &= !has_exp(c->einsums[i].rhs);
  return 1;
}

/* Masked softmax attention head by head, the mask from the cascade's
** predicates at each (m, p); the largest |AV - reference| into *err.
** Returns 0, or -1 out of memory. */
static int compare_attention(const es_cascade *c, const att *a, const es_values *v, double *err) {
  int64_t E = c->ranks[a->e].size, F = c->ranks[a->f].size, M = c->ranks[a->m].size, P = c->ranks[a->p].size;
  int64_t heads = 1, hv[ES_MAX_DIMS] = { 0 };
  for (int i = 0; i < a->nh; i++) heads *= c->ranks[a->h[i]].size;
  double *q = malloc(sizeof(double) * (size_t)(E * P)), *k = malloc(sizeof(double) * (size_t)(E * M));
  double *vv = malloc(sizeof(double) * (size_t)(F * M)), *ref = malloc(sizeof(double) * (size_t)(F * P));
  unsigned char *allow = malloc((size_t)(M * P));
  int rc = q && k && vv && ref && allow ? 0 : -1;
  *err = 0;
  for (int64_t hh = 0; !rc && hh < heads; hh++) {
    /* head tuple of hh, last head rank fastest */
    int64_t rest = hh, qoff = 0, koff = 0, hq = 1, hk = 1;
    for (int i = a->nh - 1; i >= 0; i--) { hv[i] = rest % c->ranks[a->h[i]].size; rest /= c->ranks[a->h[i]].size; }
    for (int i = 0; i < a->nh; i++) { qoff = qoff * c->ranks[a->h[i]].size + hv[i]; hq *= c->ranks[a->h[i]].size; }
    for (int i = 0; i < a->nkh; i++) {
      int j = 0;
      while (a->h[j] != a->kh[i]) j++;
      koff = koff * c->ranks[a->kh[i]].size + hv[j];
      hk *= c->ranks[a->kh[i]].size;
    }
    /* Q[e][heads][p], K[e][kheads][m], V[f][kheads][m], AV[f][heads][p] */
    for (int64_t e = 0; e < E; e++)
      for (int64_t p = 0; p < P; p++) q[e * P + p] = v->data[a->q][(e * hq + qoff) * P + p];
    for (int64_t e = 0; e < E; e++)
      for (int64_t m = 0; m < M; m++) k[e * M + m] = v->data[a->k][(e * hk + koff) * M + m];
    for (int64_t f = 0; f < F; f++)
      for (int64_t m = 0; m < M; m++) vv[f * M + m] = v->data[a->v][(f * hk + koff) * M + m];
    int64_t val[ES_MAX_RANKS] = { 0 };
    for (int i = 0; i < a->nh; i++) val[a->h[i]] = hv[i];
    for (int64_t m = 0; m < M; m++)
      for (int64_t p = 0; p < P; p++) {
        val[a->m] = m, val[a->p] = p;
        allow[m * P + p] = (unsigned char)es_point_allowed(c, -1, val);
      }
    if (a->linear) es_linear_attention_ref(q, k, vv, E, F, M, P, es_has_preds(c) ? allow : NULL, ref);
    else es_attention_ref_masked(q, k, vv, E, F, M, P, es_has_preds(c) ? allow : NULL, ref);
    for (int64_t f = 0; f < F; f++)
      for (int64_t p = 0; p < P; p++) {
        double d = fabs(ref[f * P + p] - v->data[a->av][(f * hq + qoff) * P + p]);
        if (!(d <= *err)) *err = d;   /* NaN propagates as failure */
      }
  }
  free(q), free(k), free(vv), free(ref), free(allow);
  return rc;
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
  att a = { 0 };
  int attention = is_attention(c, &a);
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
    double err;
    if (compare_attention(c, &a, &v, &err)) {
      es_values_free(&v);
      es_free(c);
      fprintf(stderr, "attnsim: out of memory\n");
      return AT_EXIT_FAIL;
    }
    printf("max_abs_err=%.3e\n", err);
    if (!(err <= 1e-9)) {
      fprintf(stderr, "attnsim: %s disagrees with %s %s attention (max_abs_err %.3e > 1e-9)\n", c->file,
              es_has_preds(c) ? "masked" : "plain", a.linear ? "linear" : "softmax", err);
      rc = AT_EXIT_FAIL;
    }
  }
  es_values_free(&v);
  es_free(c);
  return rc;
}
