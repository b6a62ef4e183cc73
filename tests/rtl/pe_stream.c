/* pe_stream.c: see pe_stream.h. */
#include "pe_stream.h"

void pe_stream_fill(gen_rng *r, pe_in *in, int n, unsigned idle)
{
  /* 16 slots: 6 MAC, 2 ADD, 2 MAX, 2 EXP, 3 DIV, 1 illegal */
  static const uint8_t mix[16] = { 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5 };
  int i;
  for (i = 0; i < n; i++) {
    uint64_t x = gen_u64(r);
    int op = mix[(x >> 8) & 15];
    in[i].valid = (unsigned)(x & 255) >= idle;
    if (op == 5) op = 5 + (int)((x >> 12) % 3);
    in[i].op = (uint8_t)op;
    gen_set(r, op <= PE_OP_DIV ? op : PE_OP_MAC, &in[i].a, &in[i].b, &in[i].c);
  }
}
