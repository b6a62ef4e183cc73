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
  T_COMMA, T_COLON, T_EQ, T_PLUS, T_MINUS, T_STAR, T_SLASH
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
  int tcap, ecap;             /* capacities of tensors / einsums / info */
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

#endif
