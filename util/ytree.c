/*
** ytree.c: libyaml events -> a tree of yt_node, and the typed getters.
**
** The builder is iterative: an explicit stack of open containers (at most
** YT_MAX_DEPTH), every node attached to its parent the moment it is created,
** so on any error freeing the document frees everything built so far.  A map
** stores parallel arrays keys[]/items[]; while a key waits for its value the
** last items[] slot is NULL (the only place a NULL may appear).
**
** Memory is linear in the input: a node stores a link to its parent and its
** own path segment (its key, or its index), never its full path; yt_path()
** builds the path the first time it is asked for one node and keeps it.
** Duplicate keys are found through a hash table per map (key index by
** hash, linear probing), built once a map has YT_HASH_MIN keys, so a map of
** n keys costs O(n) expected comparisons rather than n^2 / 2.
*/
#include "ytree.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

/* Where a node sits in its parent, which is all its path is made of. */
typedef enum yt_seg {
  SEG_ROOT,    /* the document's root: path "" */
  SEG_ITEM,    /* sequence item: parent's path + "[index]" */
  SEG_KEY,     /* map key: parent's path + "." + the key (cut at YT_SEG_MAX) */
  SEG_VALUE,   /* map value: its key's path */
  SEG_PARENT,  /* a rejected non-scalar key: its map's path */
} yt_seg;

struct yt_node {
  yt_kind kind;
  yt_seg seg;
  bool plain;             /* scalar was written unquoted */
  int line, col;          /* 1-based */
  const char *file;       /* owned by the yt_doc */
  yt_node *parent;        /* the container holding it; NULL at the root */
  const yt_node *key;     /* SEG_VALUE: its key */
  size_t index;           /* SEG_ITEM: position in the sequence */
  char *path;             /* built by the first yt_path(); NULL until then */
  char *str;              /* scalar text, NUL-terminated (may hold inner NULs);
                             points at text[] */
  size_t slen;            /* bytes in str, excluding the terminator */
  size_t n, cap;          /* entries of a map / items of a sequence */
  yt_node **items;        /* sequence items, or map values */
  yt_node **keys;         /* map keys (scalars); NULL for a sequence */
  uint32_t *slots;        /* map with >= YT_HASH_MIN keys: key index + 1 per
                             slot, 0 = empty; nslots a power of 2 >= 2 n */
  size_t nslots;
  char text[];            /* a scalar's bytes (str) */
};

struct yt_doc {
  char *file;
  yt_node *root;
  yt_stats stats;         /* counted while building */
};

/* Path segments longer than this are cut, so a pathological key cannot make
** every descendant's path huge. */
#define YT_SEG_MAX 80
/* Longest path: one segment per level, each at most "." + YT_SEG_MAX + "..."
** or "[" + 20 digits + "]". */
#define YT_PATH_MAX (YT_MAX_DEPTH * (YT_SEG_MAX + 4) + 1)
/* Maps below this many keys are searched linearly (every shipped map is). */
#define YT_HASH_MIN 8

/* ------------------------------------------------------------------ */
/* Nodes                                                                */

static void node_free(yt_node *n) {
  if (!n) return;
  for (size_t i = 0; i < n->n; i++) {
    node_free(n->items[i]);
    if (n->keys) node_free(n->keys[i]);
  }
  free(n->items);
  free(n->keys);
  free(n->slots);
  free(n->path);
  free(n);
}

void yt_free(yt_doc *d) {
  if (!d) return;
  node_free(d->root);
  free(d->file);
  free(d);
}

const yt_node *yt_root(const yt_doc *d) { return d->root; }
const char *yt_doc_file(const yt_doc *d) { return d->file; }
yt_kind yt_node_kind(const yt_node *n) { return n->kind; }
int yt_line(const yt_node *n) { return n->line; }
int yt_col(const yt_node *n) { return n->col; }
const char *yt_file(const yt_node *n) { return n->file; }
void yt_doc_stats(const yt_doc *d, yt_stats *out) { *out = d->stats; }

/* Writes n's path at buf + o (cap bytes in all) and returns the new end;
** the recursion is at most YT_MAX_DEPTH deep. */
static size_t path_write(const yt_node *n, char *buf, size_t o, size_t cap) {
  switch (n->seg) {
  case SEG_ROOT:
    return o;
  case SEG_VALUE:
    return path_write(n->key, buf, o, cap);
  case SEG_PARENT:
    return path_write(n->parent, buf, o, cap);
  case SEG_ITEM:
    o = path_write(n->parent, buf, o, cap);
    if (o < cap) {
      int k = snprintf(buf + o, cap - o, "[%zu]", n->index);
      o = k < 0 ? o : o + (size_t)k;
    }
    return o < cap ? o : cap - 1;
  case SEG_KEY: {
    o = path_write(n->parent, buf, o, cap);
    size_t sl = n->slen > YT_SEG_MAX ? YT_SEG_MAX : n->slen;
    bool cut = n->slen > YT_SEG_MAX;
    if (o + 1 + sl + 3 >= cap) return o;   /* cannot happen: YT_PATH_MAX */
    if (o) buf[o++] = '.';
    for (size_t i = 0; i < sl; i++) {   /* no terminal control codes in messages */
      unsigned char ch = (unsigned char)n->str[i];
      buf[o++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    if (cut) { memcpy(buf + o, "...", 3); o += 3; }
    return o;
  }
  }
  return o;
}

/* The cache makes yt_path() write to a const node: a document is read from
** one thread at a time (forked sweep workers each have their own copy). */
const char *yt_path(const yt_node *n) {
  if (n->path) return n->path;
  if (n->seg == SEG_ROOT) return "";
  char buf[YT_PATH_MAX];
  size_t o = path_write(n, buf, 0, sizeof buf);
  buf[o] = 0;
  yt_node *m = (yt_node *)n;
  m->path = malloc(o + 1);
  if (!m->path) return "?";   /* out of memory: a message still gets made */
  memcpy(m->path, buf, o + 1);
  return m->path;
}
const char *yt_scalar(const yt_node *n) {
  return n->kind == YT_SCALAR ? n->str : NULL;
}
size_t yt_len(const yt_node *n) { return n->kind == YT_SCALAR ? 0 : n->n; }
const yt_node *yt_at(const yt_node *n, size_t i) {
  return (n->kind != YT_SCALAR && i < n->n) ? n->items[i] : NULL;
}
const yt_node *yt_key_node(const yt_node *map, size_t i) {
  return (map->kind == YT_MAP && i < map->n) ? map->keys[i] : NULL;
}
const char *yt_key(const yt_node *map, size_t i) {
  const yt_node *k = yt_key_node(map, i);
  return k ? k->str : NULL;
}

/* ------------------------------------------------------------------ */
/* Messages                                                             */

/* A short printable rendering of a node's value for "got ..." text. */
static void repr(const yt_node *n, char *buf, size_t cap) {
  if (n->kind == YT_MAP) { snprintf(buf, cap, "a mapping"); return; }
  if (n->kind == YT_SEQ) { snprintf(buf, cap, "a sequence"); return; }
  if (n->plain && n->slen == 0) { snprintf(buf, cap, "an empty value"); return; }
  size_t o = 0;
  const size_t show = 40;
  buf[o++] = '"';
  for (size_t i = 0; i < n->slen && o + 8 < cap; i++) {
    if (i == show) { memcpy(buf + o, "...", 3); o += 3; break; }
    unsigned char c = (unsigned char)n->str[i];
    if (c == '"' || c == '\\') { buf[o++] = '\\'; buf[o++] = (char)c; }
    else if (c < 0x20 || c == 0x7f) o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
    else buf[o++] = (char)c;
  }
  buf[o++] = '"';
  buf[o] = 0;
}

static int verr(const yt_node *n, at_err *e, bool got, const char *fmt,
                va_list ap) {
  char msg[400], val[64] = "";
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (got) repr(n, val, sizeof val);
  const char *path = yt_path(n);
  return at_errloc(e, n->file, n->line, n->col, "%s%s%s%s%s", path,
                   path[0] ? ": " : "", msg, got ? ", got " : "", val);
}

int yt_errf(const yt_node *n, at_err *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr(n, e, false, fmt, ap);
  va_end(ap);
  return -1;
}

int yt_badval(const yt_node *n, at_err *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr(n, e, true, fmt, ap);
  va_end(ap);
  return -1;
}

/* ------------------------------------------------------------------ */
/* Building the tree from libyaml events                                */

typedef struct builder {
  yt_doc *doc;
  yt_node *stack[YT_MAX_DEPTH];   /* open containers, innermost last */
  int depth;
  int ndocs;
  const char *text;
  size_t len;
} builder;

static int grow(builder *b, yt_node *c) {
  if (c->n < c->cap) return 0;
  size_t cap = c->cap ? c->cap * 2 : 4;
  yt_node **it = realloc(c->items, cap * sizeof *it);
  if (!it) return -1;
  c->items = it;
  if (c->kind == YT_MAP) {
    yt_node **k = realloc(c->keys, cap * sizeof *k);
    if (!k) return -1;
    c->keys = k;
  }
  b->doc->stats.bytes += (cap - c->cap) * sizeof *it * (c->kind == YT_MAP ? 2 : 1);
  c->cap = cap;
  return 0;
}

static int oom(builder *b, at_err *e) {
  return at_errf(e, "%s: out of memory", b->doc->file);
}

/* FNV-1a, then a splitmix64 finalizer so the low bits (the slot) depend on
** every byte. */
static uint64_t key_hash(const char *s, size_t len) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ull;
  }
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

/* Puts key index i of map m into its slot table (the key is known new). */
static void slot_put(yt_node *m, size_t i) {
  const yt_node *k = m->keys[i];
  size_t mask = m->nslots - 1;
  size_t s = (size_t)key_hash(k->str, k->slen) & mask;
  while (m->slots[s]) s = (s + 1) & mask;
  m->slots[s] = (uint32_t)(i + 1);
}

/* Keeps the slot table at most half full; builds it at YT_HASH_MIN keys. */
static int slots_reserve(builder *b, yt_node *m) {
  size_t want = m->n + 1;
  if (want < YT_HASH_MIN) return 0;
  if (m->slots && 2 * want <= m->nslots) return 0;
  size_t ns = m->nslots ? m->nslots * 2 : 4 * YT_HASH_MIN;
  while (ns < 2 * want) ns *= 2;
  uint32_t *sl = calloc(ns, sizeof *sl);
  if (!sl) return -1;
  b->doc->stats.bytes += (ns - m->nslots) * sizeof *sl;
  free(m->slots);
  m->slots = sl;
  m->nslots = ns;
  for (size_t i = 0; i < m->n; i++) slot_put(m, i);
  return 0;
}

/* The earlier key of map m equal to k, or NULL; counts each comparison. */
static const yt_node *key_find(builder *b, const yt_node *m, const yt_node *k) {
  if (!m->slots) {
    for (size_t i = 0; i < m->n; i++) {
      b->doc->stats.key_compares++;
      if (m->keys[i]->slen == k->slen && !memcmp(m->keys[i]->str, k->str, k->slen))
        return m->keys[i];
    }
    return NULL;
  }
  size_t mask = m->nslots - 1;
  for (size_t s = (size_t)key_hash(k->str, k->slen) & mask; m->slots[s];
       s = (s + 1) & mask) {
    const yt_node *o = m->keys[m->slots[s] - 1];
    b->doc->stats.key_compares++;
    if (o->slen == k->slen && !memcmp(o->str, k->str, k->slen)) return o;
  }
  return NULL;
}

/* Hangs n under the innermost open container (or makes it the root).  On
** failure n is NOT attached: the caller frees it. */
static int attach(builder *b, yt_node *n, at_err *e) {
  if (b->depth == 0) {
    n->seg = SEG_ROOT;
    b->doc->root = n;
    return 0;
  }
  yt_node *top = b->stack[b->depth - 1];
  n->parent = top;
  if (top->kind == YT_SEQ) {
    if (grow(b, top)) return oom(b, e);
    n->seg = SEG_ITEM;
    n->index = top->n;
    top->items[top->n++] = n;
    return 0;
  }
  if (top->n > 0 && top->items[top->n - 1] == NULL) {   /* a value */
    n->seg = SEG_VALUE;
    n->key = top->keys[top->n - 1];
    top->items[top->n - 1] = n;
    return 0;
  }
  /* a key */
  if (n->kind != YT_SCALAR) {
    n->seg = SEG_PARENT;
    return yt_errf(n, e, "mapping keys must be plain scalars, got %s",
                   n->kind == YT_MAP ? "a mapping" : "a sequence");
  }
  n->seg = SEG_KEY;
  if (strlen(n->str) != n->slen)
    return yt_errf(n, e, "a key must not contain a NUL character");
  const yt_node *first = key_find(b, top, n);
  if (first)
    return yt_errf(n, e, "duplicate field (first at line %d, column %d)",
                   first->line, first->col);
  if (grow(b, top) || slots_reserve(b, top)) return oom(b, e);
  top->keys[top->n] = n;
  top->items[top->n] = NULL;
  if (top->slots) slot_put(top, top->n);
  top->n++;
  return 0;
}

/* A new node with room for `text` bytes of scalar text after it; counts it
** against YT_MAX_NODES (-1 with e filled when over). */
static int node_new(builder *b, yt_kind kind, yaml_mark_t m, size_t text,
                    yt_node **out, at_err *e) {
  int line = (int)(m.line < 0x7fffffff ? m.line + 1 : 0x7fffffff);
  int col = (int)(m.column < 0x7fffffff ? m.column + 1 : 0x7fffffff);
  *out = NULL;
  if (b->doc->stats.nodes >= YT_MAX_NODES)
    return at_errloc(e, b->doc->file, line, col,
                     "more than %d YAML nodes, the limit for a spec file",
                     YT_MAX_NODES);
  yt_node *n = calloc(1, sizeof *n + text + 1);
  if (!n) return oom(b, e);
  b->doc->stats.nodes++;
  b->doc->stats.bytes += sizeof *n + text + 1;
  n->kind = kind;
  n->file = b->doc->file;
  n->line = line;
  n->col = col;
  n->str = n->text;
  *out = n;
  return 0;
}

/* Line and column (1-based, column in characters) of a byte offset. */
static void offset_pos(const char *t, size_t len, size_t off, int *line,
                       int *col) {
  int l = 1, c = 1;
  if (off > len) off = len;
  for (size_t i = 0; i < off; i++) {
    if (t[i] == '\n') { l++; c = 1; }
    else if (((unsigned char)t[i] & 0xc0) != 0x80) c++;
  }
  *line = l;
  *col = c;
}

static int syntax_error(builder *b, const yaml_parser_t *p, at_err *e) {
  const char *problem = p->problem ? p->problem : "unknown error";
  int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
  switch (p->error) {
  case YAML_MEMORY_ERROR:
    return oom(b, e);
  case YAML_READER_ERROR:
    offset_pos(b->text, b->len, p->problem_offset, &line, &col);
    if (p->problem_value != -1)
      return at_errloc(e, b->doc->file, line, col,
                       "invalid input: %s (byte 0x%02x)", problem,
                       (unsigned)p->problem_value & 0xffu);
    return at_errloc(e, b->doc->file, line, col, "invalid input: %s", problem);
  default:
    if (p->context)
      return at_errloc(e, b->doc->file, line, col,
                       "YAML syntax error: %s (%s at line %d, column %d)",
                       problem, p->context, (int)p->context_mark.line + 1,
                       (int)p->context_mark.column + 1);
    return at_errloc(e, b->doc->file, line, col, "YAML syntax error: %s",
                     problem);
  }
}

/* Handles one event; *done is set at the end of the stream. */
static int on_event(builder *b, const yaml_event_t *ev, bool *done, at_err *e) {
  yaml_mark_t m = ev->start_mark;
  yt_node *n;
  switch (ev->type) {
  case YAML_STREAM_END_EVENT:
    *done = true;
    return 0;
  case YAML_DOCUMENT_START_EVENT:
    if (b->ndocs++ > 0)
      return at_errloc(e, b->doc->file, (int)m.line + 1, (int)m.column + 1,
                       "expected one YAML document, found a second one");
    return 0;
  case YAML_ALIAS_EVENT:
    return at_errloc(e, b->doc->file, (int)m.line + 1, (int)m.column + 1,
                     "YAML aliases (*%s) are not supported: write the value out",
                     ev->data.alias.anchor ? (const char *)ev->data.alias.anchor : "");
  case YAML_SCALAR_EVENT:
    if (node_new(b, YT_SCALAR, m, ev->data.scalar.length, &n, e)) return -1;
    n->slen = ev->data.scalar.length;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    memcpy(n->str, ev->data.scalar.value, n->slen);
    n->str[n->slen] = 0;
    if (attach(b, n, e)) { node_free(n); return -1; }
    return 0;
  case YAML_SEQUENCE_START_EVENT:
  case YAML_MAPPING_START_EVENT:
    if (b->depth == YT_MAX_DEPTH)
      return at_errloc(e, b->doc->file, (int)m.line + 1, (int)m.column + 1,
                       "nesting deeper than %d levels", YT_MAX_DEPTH);
    if (node_new(b, ev->type == YAML_MAPPING_START_EVENT ? YT_MAP : YT_SEQ, m,
                 0, &n, e))
      return -1;
    if (attach(b, n, e)) { node_free(n); return -1; }
    b->stack[b->depth++] = n;
    return 0;
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT:
    if (b->depth > 0) b->depth--;
    return 0;
  default:   /* stream start, document end, no event */
    return 0;
  }
}

int yt_load_string(const char *name, const char *text, size_t len,
                   yt_doc **out, at_err *e) {
  *out = NULL;
  if (len > (size_t)AT_MAX_FILE_BYTES)
    return at_errf(e, "%s: over the %d MiB limit for spec files", name,
                   AT_MAX_FILE_BYTES >> 20);
  builder b = {0};
  b.text = text;
  b.len = len;
  b.doc = calloc(1, sizeof *b.doc);
  if (!b.doc) return at_errf(e, "%s: out of memory", name);
  b.doc->file = strdup(name);
  if (!b.doc->file) { free(b.doc); return at_errf(e, "%s: out of memory", name); }

  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) {
    yt_free(b.doc);
    return at_errf(e, "%s: out of memory", name);
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int rc = 0;
  for (bool done = false; !done && rc == 0;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) { rc = syntax_error(&b, &p, e); break; }
    rc = on_event(&b, &ev, &done, e);
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  if (rc == 0 && !b.doc->root)
    rc = at_errloc(e, name, 1, 1, "empty file: expected a YAML document");
  if (rc) { yt_free(b.doc); return -1; }
  *out = b.doc;
  return 0;
}

int yt_load(const char *path, yt_doc **out, at_err *e) {
  char *buf;
  size_t len;
  *out = NULL;
  if (at_read_file(path, &buf, &len, e)) return -1;
  int rc = yt_load_string(path, buf, len, out, e);
  free(buf);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Shapes and fields                                                    */

int yt_expect_map(const yt_node *n, at_err *e) {
  return n->kind == YT_MAP ? 0 : yt_badval(n, e, "expected a mapping");
}

int yt_expect_seq(const yt_node *n, at_err *e) {
  return n->kind == YT_SEQ ? 0 : yt_badval(n, e, "expected a sequence");
}

const yt_node *yt_find(const yt_node *map, const char *key) {
  if (!map || map->kind != YT_MAP) return NULL;
  for (size_t i = 0; i < map->n; i++)
    if (map->items[i] && strcmp(map->keys[i]->str, key) == 0)
      return map->items[i];
  return NULL;
}

int yt_get(const yt_node *map, const char *key, const yt_node **out,
           at_err *e) {
  *out = NULL;
  if (yt_expect_map(map, e)) return -1;
  *out = yt_find(map, key);
  if (*out) return 0;
  return at_errloc(e, map->file, map->line, map->col,
                   "%s%s%s: missing required field", yt_path(map),
                   yt_path(map)[0] ? "." : "", key);
}

/* Levenshtein distance, for "did you mean"; long strings count as far. */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return 99;
  size_t row[64];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (tolower((unsigned char)a[i - 1]) !=
                            tolower((unsigned char)b[j - 1]));
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

int yt_check_keys(const yt_node *map, const char *const *allowed, at_err *e) {
  if (yt_expect_map(map, e)) return -1;
  for (size_t i = 0; i < map->n; i++) {
    const yt_node *k = map->keys[i];
    const char *best = NULL;
    size_t bestd = 3;
    bool ok = false;
    for (const char *const *a = allowed; *a; a++) {
      if (strcmp(*a, k->str) == 0) { ok = true; break; }
      size_t d = edit_distance(k->str, *a);
      if (d < bestd && d < strlen(*a)) { bestd = d; best = *a; }
    }
    if (ok) continue;
    if (best) return yt_errf(k, e, "unknown field (did you mean \"%s\"?)", best);
    char list[300];
    size_t o = 0;
    list[0] = 0;
    for (const char *const *a = allowed; *a && o + 1 < sizeof list; a++)
      o += (size_t)snprintf(list + o, sizeof list - o, "%s%s",
                            a == allowed ? "" : ", ", *a);
    return yt_errf(k, e, "unknown field (allowed: %s)", list);
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Typed values                                                         */

/* The node's text if it is a non-empty scalar; else an "expected" error. */
static const char *scalar_text(const yt_node *n, const char *what, at_err *e) {
  if (n->kind != YT_SCALAR || n->slen == 0 || strlen(n->str) != n->slen) {
    yt_badval(n, e, "expected %s", what);
    return NULL;
  }
  return n->str;
}

/* Length of the longest prefix of s of the form
** [+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?  (0 if none). */
static size_t scan_number(const char *s) {
  size_t i = 0, d = 0;
  if (s[i] == '+' || s[i] == '-') i++;
  while (isdigit((unsigned char)s[i])) { i++; d++; }
  if (s[i] == '.') {
    i++;
    while (isdigit((unsigned char)s[i])) { i++; d++; }
  }
  if (d == 0) return 0;
  if (s[i] == 'e' || s[i] == 'E') {
    size_t j = i + 1;
    if (s[j] == '+' || s[j] == '-') j++;
    if (isdigit((unsigned char)s[j])) {
      while (isdigit((unsigned char)s[j])) j++;
      i = j;
    }
  }
  return i;
}

/* strtod on exactly the first k characters of s. */
static int number_prefix(const char *s, size_t k, double *v) {
  char buf[64];
  if (k == 0 || k >= sizeof buf) return -1;
  memcpy(buf, s, k);
  buf[k] = 0;
  char *end;
  errno = 0;
  double x = strtod(buf, &end);
  if (end != buf + k || !isfinite(x)) return -1;
  *v = x;
  return 0;
}

int yt_int(const yt_node *n, int64_t *v, at_err *e) {
  const char *s = scalar_text(n, "an integer", e);
  if (!s) return -1;
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (!isdigit((unsigned char)s[i])) return yt_badval(n, e, "expected an integer");
  for (size_t j = i; s[j]; j++)
    if (!isdigit((unsigned char)s[j])) return yt_badval(n, e, "expected an integer");
  errno = 0;
  long long x = strtoll(s, NULL, 10);
  if (errno == ERANGE)
    return yt_badval(n, e, "integer out of range (64-bit)");
  *v = (int64_t)x;
  return 0;
}

int yt_double(const yt_node *n, double *v, at_err *e) {
  const char *s = scalar_text(n, "a number", e);
  if (!s) return -1;
  size_t k = scan_number(s);
  if (k == 0 || s[k] || number_prefix(s, k, v))
    return yt_badval(n, e, "expected a number");
  return 0;
}

int yt_str(const yt_node *n, const char **v, at_err *e) {
  const char *s = scalar_text(n, "a string", e);
  if (!s) return -1;
  if (n->plain && (!strcmp(s, "~") || !strcmp(s, "null") ||
                   !strcmp(s, "Null") || !strcmp(s, "NULL")))
    return yt_badval(n, e, "expected a string");
  *v = s;
  return 0;
}

int yt_bool(const yt_node *n, bool *v, at_err *e) {
  static const char *const t[] = {"true", "True", "TRUE"};
  static const char *const f[] = {"false", "False", "FALSE"};
  if (n->kind == YT_SCALAR)
    for (int i = 0; i < 3; i++) {
      if (!strcmp(n->str, t[i])) { *v = true; return 0; }
      if (!strcmp(n->str, f[i])) { *v = false; return 0; }
    }
  return yt_badval(n, e, "expected true or false");
}

/* Exact byte counts: mantissa digits as an integer over a power of ten,
** times the unit's num/den, must come out whole. */
typedef struct byte_unit { const char *name; int64_t num, den; } byte_unit;

static const byte_unit byte_units[] = {
  {"", 1, 1}, {"B", 1, 1}, {"byte", 1, 1}, {"bytes", 1, 1},
  {"KiB", 1LL << 10, 1}, {"MiB", 1LL << 20, 1}, {"GiB", 1LL << 30, 1},
  {"TiB", 1LL << 40, 1}, {"bit", 1, 8}, {"bits", 1, 8},
  {NULL, 0, 0},
};
static const char *const ambiguous_byte_units[] = {
  "K", "k", "M", "G", "T", "KB", "kB", "Kb", "MB", "GB", "TB", NULL,
};

int yt_bytes(const yt_node *n, int64_t *v, at_err *e) {
  static const char what[] = "a size in bytes such as \"16 MiB\"";
  const char *s = scalar_text(n, what, e);
  if (!s) return -1;
  bool neg = false;
  size_t i = 0;
  if (s[i] == '+' || s[i] == '-') neg = s[i++] == '-';
  int64_t mant = 0, den = 1;
  size_t digits = 0;
  bool overflow = false;
  for (; isdigit((unsigned char)s[i]); i++, digits++)
    overflow |= at_smul64(mant, 10, &mant) || __builtin_add_overflow(mant, s[i] - '0', &mant);
  if (s[i] == '.') {
    for (i++; isdigit((unsigned char)s[i]); i++, digits++) {
      overflow |= at_smul64(mant, 10, &mant) || __builtin_add_overflow(mant, s[i] - '0', &mant);
      overflow |= at_smul64(den, 10, &den);
    }
  }
  if (digits == 0) return yt_badval(n, e, "expected %s", what);
  while (s[i] == ' ' || s[i] == '\t') i++;
  const char *unit = s + i;
  const byte_unit *u = byte_units;
  while (u->name && strcmp(u->name, unit)) u++;
  if (!u->name) {
    for (const char *const *a = ambiguous_byte_units; *a; a++)
      if (!strcmp(*a, unit))
        return yt_badval(n, e, "ambiguous unit \"%s\" (write KiB, MiB or GiB, "
                         "powers of 1024)", unit);
    return yt_badval(n, e, "expected %s", what);
  }
  if (neg && mant != 0) return yt_badval(n, e, "must not be negative");
  int64_t q, d;
  if (overflow || at_smul64(mant, u->num, &q) || at_smul64(den, u->den, &d))
    return yt_badval(n, e, "size too large (64-bit bytes)");
  if (q % d) return yt_badval(n, e, "not a whole number of bytes");
  *v = q / d;
  return 0;
}

/* Real-valued quantities: number, optional blanks, a unit from the table. */
typedef struct real_unit { const char *name; double factor; } real_unit;

static int quantity(const yt_node *n, const real_unit *units, const char *what,
                    double *v, at_err *e) {
  const char *s = scalar_text(n, what, e);
  if (!s) return -1;
  size_t k = scan_number(s);
  double x;
  if (k == 0 || number_prefix(s, k, &x)) return yt_badval(n, e, "expected %s", what);
  const char *unit = s + k;
  while (*unit == ' ' || *unit == '\t') unit++;
  const real_unit *u = units;
  while (u->name && strcmp(u->name, unit)) u++;
  if (!u->name) return yt_badval(n, e, "expected %s", what);
  double r = x * u->factor;
  if (!isfinite(r)) return yt_badval(n, e, "value out of range");
  if (r < 0) return yt_badval(n, e, "must not be negative");
  *v = r == 0 ? 0.0 : r;   /* no -0 */
  return 0;
}

static const real_unit bandwidth_units[] = {
  {"B/s", 1.0},
  {"KiB/s", 1024.0}, {"MiB/s", 1048576.0}, {"GiB/s", 1073741824.0},
  {"TiB/s", 1099511627776.0},
  {"kB/s", 1e3}, {"MB/s", 1e6}, {"GB/s", 1e9}, {"TB/s", 1e12},
  {NULL, 0},
};
static const real_unit frequency_units[] = {
  {"Hz", 1.0}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}, {NULL, 0},
};
static const real_unit energy_units[] = {
  {"fJ", 1e-3}, {"pJ", 1.0}, {"nJ", 1e3}, {"uJ", 1e6}, {"\xc2\xb5J", 1e6},
  {NULL, 0},
};
static const real_unit area_units[] = {
  {"um^2", 1.0}, {"um2", 1.0}, {"\xc2\xb5m^2", 1.0}, {"\xc2\xb5m\xc2\xb2", 1.0},
  {"mm^2", 1e6}, {"mm2", 1e6}, {"mm\xc2\xb2", 1e6},
  {"nm^2", 1e-6}, {"nm2", 1e-6},
  {NULL, 0},
};

int yt_bandwidth(const yt_node *n, double *v, at_err *e) {
  return quantity(n, bandwidth_units, "a bandwidth such as \"400 GiB/s\"", v, e);
}
int yt_frequency(const yt_node *n, double *v, at_err *e) {
  return quantity(n, frequency_units, "a frequency such as \"940 MHz\"", v, e);
}
int yt_energy(const yt_node *n, double *v, at_err *e) {
  return quantity(n, energy_units, "an energy such as \"17.16 pJ\"", v, e);
}
int yt_area(const yt_node *n, double *v, at_err *e) {
  return quantity(n, area_units, "an area such as \"1234 um^2\"", v, e);
}

/* Keyed wrappers: yt_get_X (required) and yt_opt_X (optional). */
#define YT_FIELD(NAME, T)                                                    \
  int yt_get_##NAME(const yt_node *map, const char *key, T *v, at_err *e) { \
    const yt_node *n;                                                        \
    if (yt_get(map, key, &n, e)) return -1;                                  \
    return yt_##NAME(n, v, e);                                               \
  }                                                                          \
  int yt_opt_##NAME(const yt_node *map, const char *key, T *v, at_err *e) { \
    if (yt_expect_map(map, e)) return -1;                                    \
    const yt_node *n = yt_find(map, key);                                    \
    if (!n) return 0;                                                        \
    return yt_##NAME(n, v, e) ? -1 : 1;                                      \
  }

YT_FIELD(int, int64_t)
YT_FIELD(double, double)
YT_FIELD(str, const char *)
YT_FIELD(bool, bool)
YT_FIELD(bytes, int64_t)
YT_FIELD(bandwidth, double)
YT_FIELD(frequency, double)
YT_FIELD(energy, double)
YT_FIELD(area, double)
