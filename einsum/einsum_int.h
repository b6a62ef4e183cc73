/*
** einsum_int.h: private to einsum/.  The parse context shared by the
** lexer/parser (parse.c) and the checker (check.c), and the expression
** arena.  Callers outside einsum/ include einsum.h only.
*/
#ifndef ATTNSIM_EINSUM_INT_H
#define ATTNSIM_EINSUM_INT_H

#include "einsum.h"

/* Every es_expr of a cascade lives in one arena, freed with the cascade. */
typedef struct es_arena {
  struct es_arena *next;
  int used;                   /* slots handed out from this block */
  es_expr slot[128];
} es_arena;
es_expr *es_arena_new(es_arena **a);
void es_arena_free(es_arena *a);

typedef enum tok_kind {
  T_EOF, T_NL, T_IDENT, T_NUM, T_LBRACK, T_RBRACK, T_LPAREN, T_RPAREN,
  T_COMMA, T_COLON, T_EQ, T_PLUS, T_MINUS, T_STAR, T_SLASH,
  T_LT, T_LE, T_GT, T_GE, T_EQEQ, T_NE          /* predicate comparisons */
} tok_kind;

typedef struct token {
  tok_kind kind;
  const char *s;              /* start in the source text */
  int len;                    /* bytes */
  double num;                 /* T_NUM */
  es_loc loc;
} token;

/* What the parser knows of a tensor beyond es_tensor: where it was first
** mentioned, and the dims an `output X[...]` declaration promised. */
typedef struct es_tinfo {
  es_loc first_use;           /* first mention anywhere */
  int declared;               /* input, defined, or output-declared */
  int out_decl;               /* has an `output X[..]` without `=` */
  es_access out_access;       /* that declaration's terms */
} es_tinfo;

typedef struct es_parser {
  const char *file;
  token *tok;                 /* whole file, ending in T_EOF */
  int ntok, pos;
  int depth;                  /* expression nesting, bounded */
  int tdepth;                 /* operators on the longest root-to-leaf path
                                 of the expression last parsed; bounded, as
                                 every walk over an es_expr recurses this deep */
  es_cascade *c;
  es_tinfo *info;             /* parallel to c->tensors */
  int tcap, ecap, pcap;       /* capacities of tensors / einsums / info / preds */
  es_loc eof;
  at_err *e;
} es_parser;

/* Parse-time lookups shared with the checker. */
int es_tensor_ref(es_parser *p, const char *name, int len, es_loc loc);
/* Semantic checks on a parsed cascade; 0 or -1 with p->e filled. */
int es_check(es_parser *p);
/* Error at a location in p->file; always returns -1. */
int es_errat(es_parser *p, es_loc at, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* ---- predicates (pred.c), shared by check.c, analyze.c and interp.c ---- */

/* Rank sets as bit masks: ES_MAX_RANKS <= 32. */
typedef uint32_t es_rset;

/* Whether rank r has a value in scope s: it is in s, or it is split and
** both its parts have one (the composite index outer*SIZE(inner)+inner). */
int es_computable(const es_cascade *c, int r, es_rset s);
/* Whether every rank predicate p names has a value in scope s. */
int es_pred_computable(const es_cascade *c, const es_pred *p, es_rset s);
/* Whether p applies to einsum i at all (a global one, or i's suffix). */
int es_pred_of(const es_cascade *c, const es_pred *p, int i);
/* The ranks of einsum i's left side, and of its whole iteration space. */
es_rset es_left_set(const es_cascade *c, int i);
es_rset es_space_set(const es_cascade *c, int i);
/* A step Einsum's block: the leaf ranks of the iterative rank's original
** rank, other than the iterative rank and those on i's left (m0 for an
** Einsum at step m1 of split m = m1 * m0).  0 if i is not a step Einsum. */
es_rset es_block_of(const es_cascade *c, int i);
/* Value of rank r in scope s at var[] (var indexed by rank). */
int64_t es_rank_value(const es_cascade *c, int r, es_rset s, const int64_t *var);
/* Whether p holds at var[] in scope s (p computable there).  Needs sizes. */
int es_pred_holds(const es_cascade *c, const es_pred *p, es_rset s, const int64_t *var);
/* -1 with e filled (e may be NULL) if a mask has no pattern yet. */
int es_masks_missing(const es_cascade *c, at_err *e);
/* es_points for scope s of einsum i (its space plus reduction ranks). */
int es_points_scope(const es_cascade *c, int i, es_rset s, const es_range *range,
                    uint64_t *points, at_err *e);

#endif
