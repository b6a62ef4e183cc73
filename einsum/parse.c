/*
** parse.c: lexer and recursive-descent parser for .einsum files.  The
** grammar is line oriented (one statement a line, `#` comments) and is
** documented in einsum/README.md.  The parser builds the IR with accesses
** still "raw" (one term per written index); check.c resolves them against
** tensor shapes and enforces the semantic rules.
*/
#include "einsum_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 200         /* expression nesting; deeper input is refused */
#define MAX_TREE  1000        /* expression tree depth, parentheses aside: a
                                 chain "a+b+c+..." is a left-deep tree, and the
                                 checker, analyses and interpreter recurse on it */
/* Cascades have tens of statements.  These bounds keep the linear name
** lookups and the recursive dependency walk (check.c) cheap on any input. */
#define MAX_EINSUMS 10000
#define MAX_TENSORS 10000

int es_errat(es_parser *p, es_loc at, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return at_errloc(p->e, p->file, at.line, at.col, "%s", msg);
}

es_expr *es_arena_new(es_arena **a) {
  if (!*a || (*a)->used == (int)(sizeof (*a)->slot / sizeof (*a)->slot[0])) {
    es_arena *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->next = *a;
    *a = n;
  }
  es_expr *x = &(*a)->slot[(*a)->used++];
  memset(x, 0, sizeof *x);
  return x;
}

void es_arena_free(es_arena *a) {
  while (a) {
    es_arena *n = a->next;
    free(a);
    a = n;
  }
}

/* ---- lexer -------------------------------------------------------------- */

static int lex(es_parser *p, const char *text, size_t len) {
  int cap = 256, n = 0, line = 1, col = 1;
  token *t = malloc(sizeof *t * (size_t)cap);
  if (!t) return at_errf(p->e, "%s: out of memory", p->file);
  size_t i = 0;
  for (;;) {
    if (n + 1 >= cap) {
      token *nt = realloc(t, sizeof *t * (size_t)cap * 2);
      if (!nt) { free(t); return at_errf(p->e, "%s: out of memory", p->file); }
      t = nt;
      cap *= 2;
    }
    token *k = &t[n];
    memset(k, 0, sizeof *k);
    /* skip blanks and comments */
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) { i++; col++; }
    if (i < len && text[i] == '#')
      while (i < len && text[i] != '\n') { i++; col++; }
    k->loc.line = line;
    k->loc.col = col;
    k->s = text + i;
    if (i >= len) { k->kind = T_EOF; n++; break; }
    unsigned char ch = (unsigned char)text[i];
    if (ch == '\n') {
      k->kind = T_NL; k->len = 1; i++; line++; col = 1; n++;
      continue;
    }
    if (isalpha(ch) || ch == '_') {
      size_t j = i;
      while (j < len && (isalnum((unsigned char)text[j]) || text[j] == '_')) j++;
      if (j - i >= ES_MAX_NAME) {
        free(t);
        es_loc at = { line, col };
        return es_errat(p, at, "name longer than %d characters", ES_MAX_NAME - 1);
      }
      k->kind = T_IDENT;
      k->len = (int)(j - i);
    } else if (isdigit(ch) || (ch == '.' && i + 1 < len && isdigit((unsigned char)text[i + 1]))) {
      char buf[64];
      size_t j = i;
      while (j < len && j - i < sizeof buf - 1 &&
             (isdigit((unsigned char)text[j]) || text[j] == '.' ||
              text[j] == 'e' || text[j] == 'E' ||
              ((text[j] == '+' || text[j] == '-') && (text[j - 1] == 'e' || text[j - 1] == 'E'))))
        j++;
      memcpy(buf, text + i, j - i);
      buf[j - i] = 0;
      char *end;
      k->num = strtod(buf, &end);
      /* a digit or '.' after j means the number outgrew buf */
      if (*end || (j < len && (isalnum((unsigned char)text[j]) || text[j] == '.'))) {
        free(t);
        es_loc at = { line, col };
        return es_errat(p, at, "malformed number");
      }
      k->kind = T_NUM;
      k->len = (int)(j - i);
    } else if ((ch == '<' || ch == '>' || ch == '!' || ch == '=') && i + 1 < len && text[i + 1] == '=') {
      k->kind = ch == '<' ? T_LE : ch == '>' ? T_GE : ch == '!' ? T_NE : T_EQEQ;
      k->len = 2;
    } else if (ch == '<' || ch == '>') {
      k->kind = ch == '<' ? T_LT : T_GT;
      k->len = 1;
    } else {
      static const char punct[] = "[](),:=+-*/";
      static const tok_kind kinds[] = { T_LBRACK, T_RBRACK, T_LPAREN, T_RPAREN,
        T_COMMA, T_COLON, T_EQ, T_PLUS, T_MINUS, T_STAR, T_SLASH };
      const char *q = ch ? strchr(punct, ch) : NULL;
      if (!q) {
        free(t);
        es_loc at = { line, col };
        if (isprint(ch)) return es_errat(p, at, "unexpected character '%c'", ch);
        return es_errat(p, at, "unexpected byte 0x%02x", ch);
      }
      k->kind = kinds[q - punct];
      k->len = 1;
    }
    i += (size_t)k->len;
    col += k->len;
    n++;
  }
  p->tok = t;
  p->ntok = n;
  p->eof = t[n - 1].loc;
  return 0;
}

/* ---- token helpers ------------------------------------------------------ */

static token *peek(es_parser *p) { return &p->tok[p->pos]; }
static token *peek2(es_parser *p, int k) {
  int i = p->pos + k;
  return &p->tok[i < p->ntok ? i : p->ntok - 1];
}
static token *next(es_parser *p) {
  token *t = &p->tok[p->pos];
  if (t->kind != T_EOF) p->pos++;
  return t;
}
static int is_word(const token *t, const char *w) {
  return t->kind == T_IDENT && (int)strlen(w) == t->len && memcmp(t->s, w, (size_t)t->len) == 0;
}
static const char *describe(const token *t, char *buf, size_t n) {
  switch (t->kind) {
  case T_EOF: return "end of file";
  case T_NL: return "end of line";
  default:
    snprintf(buf, n, "'%.*s'", t->len > 24 ? 24 : t->len, t->s);
    return buf;
  }
}
static int expect(es_parser *p, tok_kind k, const char *what) {
  token *t = peek(p);
  if (t->kind != k) {
    char b[40];
    return es_errat(p, t->loc, "expected %s, found %s", what, describe(t, b, sizeof b));
  }
  next(p);
  return 0;
}
static int is_keyword(const char *s, int len) {
  static const char *const words[] = { "ranks", "input", "output", "split", "iterate",
    "init", "exp", "max", "min", "sum", "inf", "where", "param", "heads", "mask",
    "density", "sink", "window", "stride", "file", NULL };
  for (int i = 0; words[i]; i++)
    if ((int)strlen(words[i]) == len && memcmp(s, words[i], (size_t)len) == 0) return 1;
  return 0;
}
static int is_reserved(const token *t) {
  return t->kind == T_IDENT && is_keyword(t->s, t->len);
}

/* Finds a rank by its index (lower case) or size (upper case) name. */
static int rank_by(const es_cascade *c, const token *t, int by_size) {
  for (int r = 0; r < c->nranks; r++) {
    const char *nm = by_size ? c->ranks[r].name : c->ranks[r].index;
    if ((int)strlen(nm) == t->len && memcmp(nm, t->s, (size_t)t->len) == 0) return r;
  }
  return -1;
}

/* Finds a param by its (upper-case) name. */
static int param_by(const es_cascade *c, const token *t) {
  for (int i = 0; i < c->nparams; i++)
    if ((int)strlen(c->params[i].name) == t->len && memcmp(c->params[i].name, t->s, (size_t)t->len) == 0) return i;
  return -1;
}

int es_tensor_ref(es_parser *p, const char *name, int len, es_loc loc) {
  es_cascade *c = p->c;
  for (int i = 0; i < c->ntensors; i++)
    if ((int)strlen(c->tensors[i].name) == len && memcmp(c->tensors[i].name, name, (size_t)len) == 0)
      return i;
  if (c->ntensors == MAX_TENSORS) return es_errat(p, loc, "more than %d tensors in one cascade", MAX_TENSORS);
  if (c->ntensors == p->tcap) {
    int ncap = p->tcap ? p->tcap * 2 : 16;
    es_tensor *nt = realloc(c->tensors, sizeof *nt * (size_t)ncap);
    if (!nt) return at_errf(p->e, "%s: out of memory", p->file);
    c->tensors = nt;
    es_tinfo *ni = realloc(p->info, sizeof *ni * (size_t)ncap);
    if (!ni) return at_errf(p->e, "%s: out of memory", p->file);
    p->info = ni;
    p->tcap = ncap;
  }
  int i = c->ntensors++;
  es_tensor *t = &c->tensors[i];
  memset(t, 0, sizeof *t);
  memcpy(t->name, name, (size_t)len);
  t->name[len] = 0;
  t->ndims = -1;              /* unknown until declared or defined */
  t->iter_dim = -1;
  t->def = -1;
  t->init = -1;
  t->loc = loc;
  memset(&p->info[i], 0, sizeof p->info[i]);
  p->info[i].first_use = loc;
  return i;
}

/* ---- accesses ----------------------------------------------------------- */

/* index-term := lower-ident ['+' 1] | '0' | UPPER-SIZE-NAME */
static int parse_term(es_parser *p, es_index *ix) {
  token *t = peek(p);
  memset(ix, 0, sizeof *ix);
  ix->loc = t->loc;
  ix->rank2 = -1;
  if (t->kind == T_NUM) {
    if (t->num != 0) return es_errat(p, t->loc, "only 0 may be written as a constant index");
    next(p);
    ix->kind = ES_IX_ZERO;
    ix->rank = -1;
    return 0;
  }
  if (t->kind != T_IDENT) {
    char b[40];
    return es_errat(p, t->loc, "expected an index, found %s", describe(t, b, sizeof b));
  }
  next(p);
  if (isupper((unsigned char)t->s[0])) {
    int r = rank_by(p->c, t, 1);
    if (r < 0) return es_errat(p, t->loc, "unknown rank '%.*s'", t->len, t->s);
    ix->kind = ES_IX_LAST;
    ix->rank = r;
    return 0;
  }
  int r = rank_by(p->c, t, 0);
  if (r < 0) return es_errat(p, t->loc, "unknown index '%.*s'", t->len, t->s);
  ix->kind = ES_IX_VAR;
  ix->rank = r;
  if (peek(p)->kind == T_PLUS) {
    token *plus = next(p);
    token *n = peek(p);
    if (n->kind != T_NUM || n->num != 1)
      return es_errat(p, plus->loc, "only '+1' may follow an index");
    next(p);
    ix->offset = 1;
  } else if (peek(p)->kind == T_MINUS) {
    return es_errat(p, peek(p)->loc, "only '+1' may follow an index");
  }
  return 0;
}

/* access := NAME [ '[' [term {',' term}] ']' ] ; a bare NAME is a scalar */
static int parse_access(es_parser *p, es_access *a) {
  token *t = peek(p);
  memset(a, 0, sizeof *a);
  if (t->kind != T_IDENT) {
    char b[40];
    return es_errat(p, t->loc, "expected a tensor name, found %s", describe(t, b, sizeof b));
  }
  if (is_reserved(t)) return es_errat(p, t->loc, "'%.*s' is a keyword, not a tensor name", t->len, t->s);
  if (!isupper((unsigned char)t->s[0]))
    return es_errat(p, t->loc, "tensor name '%.*s' must start with an upper-case letter", t->len, t->s);
  if (rank_by(p->c, t, 1) >= 0)
    return es_errat(p, t->loc, "'%.*s' is a rank, not a tensor", t->len, t->s);
  if (param_by(p->c, t) >= 0)
    return es_errat(p, t->loc, "'%.*s' is a param, not a tensor", t->len, t->s);
  next(p);
  a->loc = t->loc;
  a->tensor = es_tensor_ref(p, t->s, t->len, t->loc);
  if (a->tensor < 0) return -1;
  if (peek(p)->kind != T_LBRACK) return 0;
  next(p);
  if (peek(p)->kind == T_RBRACK) { next(p); return 0; }
  for (;;) {
    if (a->n == ES_MAX_DIMS) return es_errat(p, peek(p)->loc, "more than %d indices", ES_MAX_DIMS);
    if (parse_term(p, &a->ix[a->n])) return -1;
    a->n++;
    token *s = peek(p);
    if (s->kind == T_RBRACK) { next(p); return 0; }
    if (s->kind != T_COMMA) {
      char b[40];
      return es_errat(p, s->loc, "expected ',' or ']', found %s", describe(s, b, sizeof b));
    }
    next(p);
  }
}

/* ---- expressions -------------------------------------------------------- */

static es_expr *parse_expr(es_parser *p);

/* Records d as the depth of the tree just built (p->tdepth), or refuses it. */
static int tree_depth(es_parser *p, int d, es_loc at) {
  if (d > MAX_TREE)
    return es_errat(p, at, "expression too deep: more than %d operations nested or chained "
                    "(split it into several Einsums)", MAX_TREE);
  p->tdepth = d;
  return 0;
}

static es_expr *node(es_parser *p, es_expr_kind k, es_loc at) {
  es_expr *x = es_arena_new(&p->c->arena);
  if (!x) { at_errf(p->e, "%s: out of memory", p->file); return NULL; }
  x->kind = k;
  x->loc = at;
  return x;
}

/* True if the tokens after '(' read "ident {, ident} :". */
static int looks_like_reduction(es_parser *p) {
  for (int k = 0;; k += 2) {
    if (peek2(p, k)->kind != T_IDENT) return 0;
    tok_kind after = peek2(p, k + 1)->kind;
    if (after == T_COLON) return 1;
    if (after != T_COMMA) return 0;
  }
}

static es_expr *parse_reduction(es_parser *p, es_op op, es_loc at) {
  es_expr *x = node(p, ES_E_REDUCE, at);
  if (!x) return NULL;
  x->op = op;
  for (;;) {
    token *t = next(p);
    int r = rank_by(p->c, t, 0);
    if (r < 0) { es_errat(p, t->loc, "unknown index '%.*s'", t->len, t->s); return NULL; }
    for (int i = 0; i < x->nred; i++)
      if (x->red[i] == r) { es_errat(p, t->loc, "index '%s' listed twice", p->c->ranks[r].index); return NULL; }
    if (x->nred == ES_MAX_DIMS) { es_errat(p, t->loc, "too many reduction indices"); return NULL; }
    x->red[x->nred++] = r;
    if (next(p)->kind == T_COLON) break;  /* looks_like_reduction saw ',' or ':' */
  }
  if (!(x->a = parse_expr(p))) return NULL;
  if (tree_depth(p, p->tdepth + 1, at)) return NULL;
  if (expect(p, T_RPAREN, "')'")) return NULL;
  return x;
}

static es_expr *parse_primary(es_parser *p) {
  token *t = peek(p);
  es_expr *x;
  if (t->kind == T_NUM) {
    next(p);
    if (!(x = node(p, ES_E_NUM, t->loc))) return NULL;
    x->num = t->num;
    p->tdepth = 0;
    return x;
  }
  if (t->kind == T_LPAREN) {
    next(p);
    if (!(x = parse_expr(p))) return NULL;
    if (expect(p, T_RPAREN, "')'")) return NULL;
    return x;
  }
  if (is_word(t, "inf")) {
    next(p);
    if (!(x = node(p, ES_E_NUM, t->loc))) return NULL;
    x->num = INFINITY;
    p->tdepth = 0;
    return x;
  }
  int is_exp = is_word(t, "exp"), is_max = is_word(t, "max");
  int is_min = is_word(t, "min"), is_sum = is_word(t, "sum");
  if (is_exp || is_max || is_min || is_sum) {
    next(p);
    if (expect(p, T_LPAREN, "'(' after function name")) return NULL;
    es_op op = is_max ? ES_MAX : is_min ? ES_MIN : ES_ADD;
    if (!is_exp && looks_like_reduction(p)) return parse_reduction(p, op, t->loc);
    if (is_sum) {
      es_errat(p, peek(p)->loc, "sum needs its indices: sum(k: expr)");
      return NULL;
    }
    es_expr *a = parse_expr(p);
    if (!a) return NULL;
    int da = p->tdepth;
    if (is_exp) {
      if (tree_depth(p, da + 1, t->loc)) return NULL;
      if (expect(p, T_RPAREN, "')' (exp takes one argument)")) return NULL;
      if (!(x = node(p, ES_E_EXP, t->loc))) return NULL;
      x->a = a;
      return x;
    }
    if (expect(p, T_COMMA, "',' (max and min take two arguments, or 'index:' to reduce)")) return NULL;
    es_expr *b = parse_expr(p);
    if (!b) return NULL;
    if (tree_depth(p, (da > p->tdepth ? da : p->tdepth) + 1, t->loc)) return NULL;
    if (expect(p, T_RPAREN, "')'")) return NULL;
    if (!(x = node(p, ES_E_BIN, t->loc))) return NULL;
    x->op = op;
    x->a = a;
    x->b = b;
    return x;
  }
  if (t->kind == T_IDENT) {
    if (!(x = node(p, ES_E_ACCESS, t->loc))) return NULL;
    if (parse_access(p, &x->acc)) return NULL;
    p->tdepth = 0;
    return x;
  }
  char b[40];
  es_errat(p, t->loc, "expected an expression, found %s", describe(t, b, sizeof b));
  return NULL;
}

static es_expr *parse_unary(es_parser *p) {
  token *t = peek(p);
  if (t->kind != T_MINUS) return parse_primary(p);
  next(p);
  if (++p->depth > MAX_DEPTH) { es_errat(p, t->loc, "expression nested too deeply"); return NULL; }
  es_expr *a = parse_unary(p);
  p->depth--;
  if (!a) return NULL;
  if (a->kind == ES_E_NUM) { a->num = -a->num; a->loc = t->loc; return a; }
  if (tree_depth(p, p->tdepth + 1, t->loc)) return NULL;
  es_expr *x = node(p, ES_E_NEG, t->loc);
  if (!x) return NULL;
  x->a = a;
  return x;
}

static es_expr *parse_term_expr(es_parser *p) {
  es_expr *x = parse_unary(p);
  int d = p->tdepth;
  while (x && (peek(p)->kind == T_STAR || peek(p)->kind == T_SLASH)) {
    token *t = next(p);
    es_expr *y = node(p, ES_E_BIN, t->loc);
    if (!y) return NULL;
    y->op = t->kind == T_STAR ? ES_MUL : ES_DIV;
    y->a = x;
    if (!(y->b = parse_unary(p))) return NULL;
    if (tree_depth(p, (d > p->tdepth ? d : p->tdepth) + 1, t->loc)) return NULL;
    d = p->tdepth;
    x = y;
  }
  p->tdepth = d;
  return x;
}

static es_expr *parse_expr(es_parser *p) {
  if (++p->depth > MAX_DEPTH) {
    es_errat(p, peek(p)->loc, "expression nested too deeply");
    return NULL;
  }
  es_expr *x = parse_term_expr(p);
  int d = p->tdepth;
  while (x && (peek(p)->kind == T_PLUS || peek(p)->kind == T_MINUS)) {
    token *t = next(p);
    es_expr *y = node(p, ES_E_BIN, t->loc);
    if (!y) return NULL;
    y->op = t->kind == T_PLUS ? ES_ADD : ES_SUB;
    y->a = x;
    if (!(y->b = parse_term_expr(p))) return NULL;
    if (tree_depth(p, (d > p->tdepth ? d : p->tdepth) + 1, t->loc)) return NULL;
    d = p->tdepth;
    x = y;
  }
  p->tdepth = d;
  p->depth--;
  return x;
}

/* ---- statements --------------------------------------------------------- */

static int end_of_statement(es_parser *p) {
  token *t = peek(p);
  if (t->kind == T_NL || t->kind == T_EOF) return 0;
  char b[40];
  return es_errat(p, t->loc, "expected end of line, found %s", describe(t, b, sizeof b));
}

static int add_rank(es_parser *p, const token *t, int parent) {
  es_cascade *c = p->c;
  if (c->nranks == ES_MAX_RANKS) return es_errat(p, t->loc, "more than %d ranks", ES_MAX_RANKS);
  es_rank *r = &c->ranks[c->nranks];
  memset(r, 0, sizeof *r);
  for (int i = 0; i < t->len; i++) {
    r->name[i] = (char)toupper((unsigned char)t->s[i]);
    r->index[i] = (char)tolower((unsigned char)t->s[i]);
  }
  /* "ranks SUM" would make `sum` an index and `sum(sum: X[sum])` legal */
  if (is_keyword(r->index, t->len))
    return es_errat(p, t->loc, "rank '%s' cannot be declared: its index '%s' is a keyword", r->name, r->index);
  for (int i = 0; i < c->nranks; i++)
    if (strcmp(c->ranks[i].name, r->name) == 0)
      return es_errat(p, t->loc, "rank '%s' declared twice", r->name);
  for (int i = 0; i < c->ntensors; i++)
    if (strcmp(c->tensors[i].name, r->name) == 0)
      return es_errat(p, t->loc, "rank '%s' has the name of a tensor", r->name);
  for (int i = 0; i < c->nparams; i++)
    if (strcmp(c->params[i].name, r->name) == 0)
      return es_errat(p, t->loc, "rank '%s' has the name of a param", r->name);
  r->parent = parent;
  r->outer = r->inner = -1;
  r->loc = t->loc;
  return c->nranks++;
}

/* ranks NAME {NAME} : upper-case size names */
static int st_ranks(es_parser *p) {
  if (peek(p)->kind != T_IDENT) return es_errat(p, peek(p)->loc, "expected rank names after 'ranks'");
  while (peek(p)->kind == T_IDENT) {
    token *t = next(p);
    if (is_reserved(t)) return es_errat(p, t->loc, "'%.*s' is a keyword, not a rank", t->len, t->s);
    for (int i = 0; i < t->len; i++)
      if (islower((unsigned char)t->s[i]))
        return es_errat(p, t->loc, "rank '%.*s' must be upper case (sizes are upper case, indices lower case)", t->len, t->s);
    if (!isalpha((unsigned char)t->s[0]))
      return es_errat(p, t->loc, "rank name must start with a letter");
    if (add_rank(p, t, -1) < 0) return -1;
  }
  return end_of_statement(p);
}

/* NAME '*' NAME, both lower case (split parts) or upper case (`upper`,
** head ranks); what[]: the messages for a bad first name, a bad second
** name, and a name whose other letters have the wrong case. */
static int parse_product(es_parser *p, int upper, const char *const what[3], const token **a, const token **b) {
  for (int k = 0; k < 2; k++) {
    if (k && expect(p, T_STAR, "'*'")) return -1;
    token *t = peek(p);
    /* only an identifier has a first character to look at (end of input
    ** has none: reading it overran the buffer, fuzz regress/einsum) */
    int c0 = t->kind == T_IDENT && t->len > 0 ? (unsigned char)t->s[0] : 0;
    if (t->kind != T_IDENT || (upper ? is_reserved(t) || !isupper(c0) : !islower(c0)))
      return es_errat(p, t->loc, "%s", what[k]);
    next(p);
    *(k ? b : a) = t;
  }
  for (int k = 0; k < 2; k++) {
    const token *x = k ? *b : *a;
    for (int i = 0; i < x->len; i++)
      if (upper ? islower((unsigned char)x->s[i]) : isupper((unsigned char)x->s[i]))
        return es_errat(p, x->loc, what[2], x->len, x->s);
  }
  return 0;
}

/* split m = m1 * m0 */
static int st_split(es_parser *p) {
  token *t = peek(p);
  if (t->kind != T_IDENT) return es_errat(p, t->loc, "expected an index after 'split'");
  int r = rank_by(p->c, t, 0);
  if (r < 0) return es_errat(p, t->loc, "unknown index '%.*s'", t->len, t->s);
  if (p->c->ranks[r].outer >= 0) return es_errat(p, t->loc, "rank '%s' is already split", p->c->ranks[r].name);
  if (p->c->ranks[r].iterative) return es_errat(p, t->loc, "an iterative rank cannot be split");
  next(p);
  if (expect(p, T_EQ, "'='")) return -1;
  const token *a, *b;
  static const char *const what[] = { "expected a lower-case index for the outer part",
    "expected a lower-case index for the inner part", "index '%.*s' must be lower case" };
  if (parse_product(p, 0, what, &a, &b)) return -1;
  int o = add_rank(p, a, r);
  if (o < 0) return -1;
  int in = add_rank(p, b, r);
  if (in < 0) return -1;
  p->c->ranks[r].outer = o;
  p->c->ranks[r].inner = in;
  p->c->ranks[r].loc = t->loc;   /* divisibility errors point at the split */
  return end_of_statement(p);
}

/* iterate m1 */
static int st_iterate(es_parser *p) {
  token *t = peek(p);
  if (t->kind != T_IDENT) return es_errat(p, t->loc, "expected an index after 'iterate'");
  int r = rank_by(p->c, t, 0);
  if (r < 0) return es_errat(p, t->loc, "unknown index '%.*s'", t->len, t->s);
  if (p->c->iter_rank >= 0)
    return es_errat(p, t->loc, "only one iterative rank is supported ('%s' already is)",
                    p->c->ranks[p->c->iter_rank].index);
  if (p->c->ranks[r].outer >= 0) return es_errat(p, t->loc, "a split rank cannot be iterative; iterate one of its parts");
  next(p);
  p->c->ranks[r].iterative = 1;
  p->c->iter_rank = r;
  return end_of_statement(p);
}

/* input ACCESS {ACCESS} */
static int st_input(es_parser *p) {
  if (peek(p)->kind != T_IDENT) return es_errat(p, peek(p)->loc, "expected tensors after 'input'");
  while (peek(p)->kind == T_IDENT) {
    es_access a;
    if (parse_access(p, &a)) return -1;
    es_tensor *t = &p->c->tensors[a.tensor];
    es_tinfo *in = &p->info[a.tensor];
    if (in->declared)
      return es_errat(p, a.loc, "tensor '%s' redefined (first defined at %d:%d)", t->name, t->loc.line, t->loc.col);
    in->declared = 1;
    t->is_input = 1;
    t->loc = a.loc;
    t->ndims = a.n;
    for (int i = 0; i < a.n; i++) {
      const es_index *ix = &a.ix[i];
      if (ix->kind != ES_IX_VAR || ix->offset)
        return es_errat(p, ix->loc, "an input is declared with plain indices");
      if (p->c->ranks[ix->rank].parent >= 0)
        return es_errat(p, ix->loc, "declare inputs with the unsplit rank '%s'",
                        p->c->ranks[p->c->ranks[ix->rank].parent].index);
      for (int j = 0; j < i; j++)
        if (t->dim[j] == ix->rank) return es_errat(p, ix->loc, "index '%s' repeated", p->c->ranks[ix->rank].index);
      t->dim[i] = ix->rank;
    }
  }
  return end_of_statement(p);
}

/* ---- sizes that are not ranks, and predicates ---------------------------- */

#define MAX_PREDS 64          /* predicates and masks in one cascade */

/* Declares a param named by t (upper case, not a rank, tensor or keyword). */
static int add_param(es_parser *p, const token *t, es_param_kind kind, int r1, int r2) {
  es_cascade *c = p->c;
  if (t->kind != T_IDENT) {
    char b[40];
    return es_errat(p, t->loc, "expected a size name, found %s", describe(t, b, sizeof b));
  }
  if (is_reserved(t)) return es_errat(p, t->loc, "'%.*s' is a keyword, not a size name", t->len, t->s);
  for (int i = 0; i < t->len; i++)
    if (islower((unsigned char)t->s[i]) || (i == 0 && !isalpha((unsigned char)t->s[i])))
      return es_errat(p, t->loc, "size name '%.*s' must be upper case and start with a letter", t->len, t->s);
  if (rank_by(c, t, 1) >= 0) return es_errat(p, t->loc, "'%.*s' is already a rank", t->len, t->s);
  if (param_by(c, t) >= 0) return es_errat(p, t->loc, "param '%.*s' declared twice", t->len, t->s);
  for (int i = 0; i < c->ntensors; i++)
    if ((int)strlen(c->tensors[i].name) == t->len && !memcmp(c->tensors[i].name, t->s, (size_t)t->len))
      return es_errat(p, t->loc, "'%.*s' is already a tensor", t->len, t->s);
  if (c->nparams == ES_MAX_RANKS) return es_errat(p, t->loc, "more than %d params", ES_MAX_RANKS);
  es_param *q = &c->params[c->nparams];
  memset(q, 0, sizeof *q);
  memcpy(q->name, t->s, (size_t)t->len);
  q->kind = kind;
  q->r1 = r1;
  q->r2 = r2;
  q->loc = t->loc;
  return c->nparams++;
}

/* param NAME {NAME} */
static int st_param(es_parser *p) {
  if (peek(p)->kind != T_IDENT) return es_errat(p, peek(p)->loc, "expected size names after 'param'");
  while (peek(p)->kind == T_IDENT)
    if (add_param(p, next(p), ES_P_SIZE, -1, -1) < 0) return -1;
  return end_of_statement(p);
}

/* heads QH = H * G : ranks H (KV heads) and G (query heads per KV head) */
static int st_heads(es_parser *p) {
  token *q = next(p);
  int qi = add_param(p, q, ES_P_HEADS, -1, -1);
  if (qi < 0) return -1;
  if (expect(p, T_EQ, "'='")) return -1;
  const token *h, *g;
  static const char *const what[] = { "expected the upper-case name of the KV-head rank",
    "expected the upper-case name of the query-group rank",
    "rank '%.*s' must be upper case (sizes are upper case, indices lower case)" };
  if (parse_product(p, 1, what, &h, &g)) return -1;
  int hr = add_rank(p, h, -1);
  if (hr < 0) return -1;
  int gr = add_rank(p, g, -1);
  if (gr < 0) return -1;
  p->c->ranks[hr].head = ES_HEAD_KV;
  p->c->ranks[gr].head = ES_HEAD_GROUP;
  p->c->params[qi].r1 = hr;
  p->c->params[qi].r2 = gr;
  return end_of_statement(p);
}

/* Makes room for element n of the array *arr of capacity *cap. */
static int grow(es_parser *p, void **arr, int *cap, int n, size_t elem, int first) {
  if (n < *cap) return 0;
  int ncap = *cap ? *cap * 2 : first;
  void *na = realloc(*arr, elem * (size_t)ncap);
  if (!na) return at_errf(p->e, "%s: out of memory", p->file);
  *arr = na;
  *cap = ncap;
  return 0;
}

static int new_pred(es_parser *p, es_loc at, es_pred **out) {
  es_cascade *c = p->c;
  if (c->npreds == MAX_PREDS) return es_errat(p, at, "more than %d predicates and masks", MAX_PREDS);
  if (grow(p, (void **)&c->preds, &p->pcap, c->npreds, sizeof *c->preds, 8)) return -1;
  *out = &c->preds[c->npreds++];
  memset(*out, 0, sizeof **out);
  (*out)->mask = -1;
  (*out)->loc = at;
  return 0;
}

/* One side of a comparison: ['-'] term { ('+' | '-') term }, each term an
** index, a size (a rank's or a param) or an integer; `sign` is +1 for the
** left side, -1 for the right (moved left). */
static int parse_side(es_parser *p, es_pred *q, int64_t sign) {
  int64_t s = sign;
  if (peek(p)->kind == T_MINUS) { next(p); s = -sign; }
  for (;;) {
    token *t = peek(p);
    if (q->nterm == ES_MAX_PTERMS) return es_errat(p, t->loc, "more than %d terms in one predicate", ES_MAX_PTERMS);
    es_pterm *x = &q->term[q->nterm];
    x->loc = t->loc;
    x->coef = s;
    if (t->kind == T_NUM) {
      if (t->num != floor(t->num) || fabs(t->num) > 1e15)
        return es_errat(p, t->loc, "a predicate's constants are integers");
      x->kind = ES_PT_NUM;
      x->coef = s * (int64_t)t->num;
    } else if (t->kind == T_IDENT && !is_reserved(t) && isupper((unsigned char)t->s[0])) {
      int r = rank_by(p->c, t, 1);
      if (r >= 0) { x->kind = ES_PT_SIZE; x->ref = r; }
      else if ((r = param_by(p->c, t)) >= 0) { x->kind = ES_PT_PARAM; x->ref = r; }
      else return es_errat(p, t->loc, "unknown size '%.*s' (declare it with 'param %.*s')", t->len, t->s, t->len, t->s);
    } else if (t->kind == T_IDENT && !is_reserved(t)) {
      int r = rank_by(p->c, t, 0);
      if (r < 0) return es_errat(p, t->loc, "unknown index '%.*s' in a predicate", t->len, t->s);
      x->kind = ES_PT_INDEX;
      x->ref = r;
      q->ranks |= (uint32_t)1 << r;
    } else {
      char b[40];
      return es_errat(p, t->loc, "expected an index, a size or an integer, found %s", describe(t, b, sizeof b));
    }
    next(p);
    q->nterm++;
    tok_kind k = peek(p)->kind;
    if (k != T_PLUS && k != T_MINUS) return 0;
    s = k == T_PLUS ? sign : -sign;
    next(p);
  }
}

/* pred {',' pred} ; pred = side CMP side.  `einsum` -1 for a where line. */
static int parse_preds(es_parser *p, int einsum) {
  for (;;) {
    es_pred *q;
    if (new_pred(p, peek(p)->loc, &q)) return -1;
    q->einsum = einsum;
    if (parse_side(p, q, 1)) return -1;
    token *t = peek(p);
    static const tok_kind kinds[] = { T_LT, T_LE, T_GT, T_GE, T_EQEQ, T_NE };
    int k = 0;
    while (k < 6 && kinds[k] != t->kind) k++;
    if (k == 6) {
      char b[40];
      return es_errat(p, t->loc, "expected a comparison (< <= > >= == !=), found %s", describe(t, b, sizeof b));
    }
    q->cmp = (es_cmp)k;
    next(p);
    if (parse_side(p, q, -1)) return -1;
    if (!q->ranks) return es_errat(p, q->loc, "a predicate must name an index");
    if (peek(p)->kind != T_COMMA) return 0;
    next(p);
  }
}

/* where pred {, pred} : applies to every Einsum that has the ranks */
static int st_where(es_parser *p) {
  if (parse_preds(p, -1)) return -1;
  return end_of_statement(p);
}

/* mask NAME[i1, i2, ..] density SIZE : a block mask over tile ranks */
static int st_mask(es_parser *p) {
  es_access a;
  if (parse_access(p, &a)) return -1;
  es_cascade *c = p->c;
  es_tensor *t = &c->tensors[a.tensor];
  es_tinfo *in = &p->info[a.tensor];
  if (in->declared)
    return es_errat(p, a.loc, "tensor '%s' redefined (first defined at %d:%d)", t->name, t->loc.line, t->loc.col);
  if (a.n == 0) return es_errat(p, a.loc, "a mask needs tile ranks: mask %s[m1,p1]", t->name);
  in->declared = 1;
  t->is_mask = 1;
  t->loc = a.loc;
  t->ndims = a.n;
  es_pred *q;
  if (new_pred(p, a.loc, &q)) return -1;
  q->einsum = -1;
  q->mask = a.tensor;
  for (int i = 0; i < a.n; i++) {
    const es_index *ix = &a.ix[i];
    const es_rank *R = ix->kind == ES_IX_VAR ? &c->ranks[ix->rank] : NULL;
    if (!R || ix->offset || R->parent < 0 || c->ranks[R->parent].outer != ix->rank)
      return es_errat(p, ix->loc, "mask dimension '%s' is not a tile rank (the outer part of a split, such as m1 of 'split m = m1 * m0')",
                      R ? R->index : ix->kind == ES_IX_ZERO ? "0" : c->ranks[ix->rank].name);
    for (int j = 0; j < i; j++)
      if (t->dim[j] == ix->rank) return es_errat(p, ix->loc, "index '%s' repeated", R->index);
    t->dim[i] = ix->rank;
    q->ranks |= (uint32_t)1 << ix->rank;
  }
  q->pa = q->pb = -1;
  token *d = peek(p);
  if (is_word(d, "density")) {
    next(p);
    q->pattern = ES_M_RANDOM;
    if ((q->pa = add_param(p, next(p), ES_P_DENSITY, a.tensor, -1)) < 0) return -1;
    return end_of_statement(p);
  }
  if (is_word(d, "file")) {
    next(p);
    q->pattern = ES_M_FILE;
    return end_of_statement(p);
  }
  int sink = is_word(d, "sink"), stride = is_word(d, "stride");
  if (!sink && !stride) {
    char b[40];
    return es_errat(p, d->loc, "expected 'density NAME', 'sink NAME window NAME', 'stride NAME' or 'file' after the mask, found %s",
                    describe(d, b, sizeof b));
  }
  if (a.n != 2)
    return es_errat(p, d->loc, "a %s mask has two dims, the key tile then the query tile (mask %s[m1,p1])",
                    sink ? "sink/window" : "stride", t->name);
  next(p);
  q->pattern = sink ? ES_M_SINK_WINDOW : ES_M_STRIDE;
  if ((q->pa = add_param(p, next(p), ES_P_SIZE, -1, -1)) < 0) return -1;
  if (sink) {
    token *w = peek(p);
    if (!is_word(w, "window")) {
      char b[40];
      return es_errat(p, w->loc, "expected 'window NAME' after the sink, found %s", describe(w, b, sizeof b));
    }
    next(p);
    if ((q->pb = add_param(p, next(p), ES_P_SIZE, -1, -1)) < 0) return -1;
  }
  return end_of_statement(p);
}

static int new_einsum(es_parser *p, es_einsum **out) {
  es_cascade *c = p->c;
  if (grow(p, (void **)&c->einsums, &p->ecap, c->neinsums, sizeof *c->einsums, 16)) return -1;
  *out = &c->einsums[c->neinsums++];
  memset(*out, 0, sizeof **out);
  return 0;
}

/* [init|output] ACCESS '=' expr, or `output ACCESS` alone */
static int st_einsum(es_parser *p, int is_init, int is_output) {
  es_loc at = peek(p)->loc;
  es_access lhs;
  if (parse_access(p, &lhs)) return -1;
  if (is_output && (peek(p)->kind == T_NL || peek(p)->kind == T_EOF)) {
    es_tinfo *in = &p->info[lhs.tensor];
    if (in->out_decl)
      return es_errat(p, lhs.loc, "output '%s' declared twice", p->c->tensors[lhs.tensor].name);
    in->out_decl = 1;
    in->out_access = lhs;
    p->c->tensors[lhs.tensor].is_output = 1;
    return 0;
  }
  if (expect(p, T_EQ, "'='")) return -1;
  es_expr *rhs = parse_expr(p);
  if (!rhs) return -1;
  if (is_word(peek(p), "where")) {
    if (is_init) return es_errat(p, peek(p)->loc, "an init takes no predicate (it runs before the steps)");
    next(p);
    if (parse_preds(p, p->c->neinsums)) return -1;
  }
  if (end_of_statement(p)) return -1;
  es_einsum *x = NULL;
  if (p->c->neinsums == MAX_EINSUMS) return es_errat(p, at, "more than %d Einsums in one cascade", MAX_EINSUMS);
  if (new_einsum(p, &x)) return -1;
  x->lhs = lhs;
  x->rhs = rhs;
  x->is_init = is_init;
  x->loc = at;
  if (is_output) p->c->tensors[lhs.tensor].is_output = 1;
  return 0;
}

static int parse_statements(es_parser *p) {
  for (;;) {
    token *t = peek(p);
    if (t->kind == T_EOF) return 0;
    if (t->kind == T_NL) { next(p); continue; }
    if (t->kind != T_IDENT) {
      char b[40];
      return es_errat(p, t->loc, "expected a statement, found %s", describe(t, b, sizeof b));
    }
    int rc;
    if (is_word(t, "ranks")) { next(p); rc = st_ranks(p); }
    else if (is_word(t, "split")) { next(p); rc = st_split(p); }
    else if (is_word(t, "iterate")) { next(p); rc = st_iterate(p); }
    else if (is_word(t, "input")) { next(p); rc = st_input(p); }
    else if (is_word(t, "init")) { next(p); rc = st_einsum(p, 1, 0); }
    else if (is_word(t, "output")) { next(p); rc = st_einsum(p, 0, 1); }
    else if (is_word(t, "param")) { next(p); rc = st_param(p); }
    else if (is_word(t, "heads")) { next(p); rc = st_heads(p); }
    else if (is_word(t, "mask")) { next(p); rc = st_mask(p); }
    else if (is_word(t, "where")) { next(p); rc = st_where(p); }
    else rc = st_einsum(p, 0, 0);
    if (rc) return -1;
  }
}

void es_free(es_cascade *c) {
  if (!c) return;
  es_arena_free(c->arena);
  free(c->tensors);
  free(c->einsums);
  free(c->order);
  free(c->preds);
  if (c->maskbits)
    for (int t = 0; t < c->ntensors; t++) free(c->maskbits[t]);
  free(c->maskbits);
  if (c->maskrows)
    for (int t = 0; t < c->ntensors; t++) free(c->maskrows[t]);
  free(c->maskrows);
  free(c->file);
  free(c);
}

int es_parse(const char *file, const char *text, size_t len, es_cascade **out, at_err *e) {
  *out = NULL;
  es_parser p;
  memset(&p, 0, sizeof p);
  p.file = file;
  p.e = e;
  p.c = calloc(1, sizeof *p.c);
  if (!p.c) return at_errf(e, "%s: out of memory", file);
  p.c->iter_rank = -1;
  p.c->file = strdup(file);
  int rc = -1;
  if (!p.c->file) { at_errf(e, "%s: out of memory", file); goto done; }
  if (memchr(text, 0, len)) {
    /* report the NUL where it is, like any other bad byte */
    const char *z = memchr(text, 0, len);
    int line = 1, col = 1;
    for (const char *q = text; q < z; q++) { if (*q == '\n') { line++; col = 1; } else col++; }
    at_errloc(e, file, line, col, "unexpected byte 0x00");
    goto done;
  }
  if (lex(&p, text, len)) goto done;
  if (parse_statements(&p)) goto done;
  if (es_check(&p)) goto done;
  rc = 0;
done:
  free(p.tok);
  free(p.info);
  if (rc) es_free(p.c);
  else *out = p.c;
  return rc;
}

int es_load(const char *path, es_cascade **out, at_err *e) {
  char *buf;
  size_t len;
  *out = NULL;
  if (at_read_file(path, &buf, &len, e)) return -1;
  int rc = es_parse(path, buf, len, out, e);
  free(buf);
  return rc;
}
