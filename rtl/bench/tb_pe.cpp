// tb_pe.cpp: self-checking Verilator bench for one PE (pe2d or pe1d, chosen
// at compile time by TB_MODEL / TB_HEADER / TB_HAS_DIV).  The RTL and its C
// twin (hw/pe/pe.c) get the same inputs every cycle; after every rising
// edge every register (out, out_valid, seq, t, f, n) and before it in_ready
// must agree bit for bit, so the exp microsequence is compared cycle by cycle.
// Phases: corner pairs/triples, >= N random operand sets per op, every fp16
// input to exp, and a mixed stream (random ops, idle cycles, busy-time
// inputs, resets).  Exit 0 iff nothing mismatched and every coverage class
// was hit; with --expect-mismatch, exit 0 iff every rounding op mismatched
// (used on the FAULT builds to prove the check can fail).
#include <verilated.h>
#include TB_HEADER

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

extern "C" {
#include "fp16.h"
#include "fp16_gen.h"
#include "pe.h"
}

namespace {

const char *const op_names[8] = {"MAC", "ADD", "MAX", "EXP", "DIV", "op5", "op6", "op7"};

struct OpStats {
  uint64_t vectors = 0;     // ops issued
  uint64_t mismatches = 0;  // cycles whose compare failed while this op was in flight
  uint64_t cls[GEN_C_NCLASSES] = {};
  unsigned seen = 0;        // union of coverage classes
};

class Bench {
 public:
  explicit Bench(VerilatedContext *ctx) : top_(new TB_MODEL{ctx}) { reset(); }

  // One clock cycle with `in` offered; compares before and after the edge.
  void tick(const pe_in &in, bool rst = false) {
    top_->rst = rst;
    top_->in_valid = in.valid;
    top_->in_op = in.op;
    top_->in_a = in.a;
    top_->in_b = in.b;
    top_->in_c = in.c;
    top_->clk = 0;
    top_->eval();
    bool ready_ok = (top_->in_ready != 0) == (pe_ready(&tw_) != 0);
    top_->clk = 1;
    top_->eval();
    if (rst)
      pe_reset(&tw_);
    else if (TB_HAS_DIV)
      pe1d_step(&tw_, &in);
    else
      pe2d_step(&tw_, &in);
    cycles_++;
    bool ok = ready_ok && top_->out_valid == tw_.out_valid && top_->out_data == tw_.out &&
              top_->st_seq == tw_.seq && top_->st_t == tw_.t && top_->st_f == tw_.f &&
              top_->st_n == (uint8_t)tw_.n;
    if (!ok) mismatch(in, ready_ok);
  }

  void reset() {
    pe_in idle{};
    tick(idle, true);
    tick(idle, true);
  }

  // Offers one op until accepted (the PE is idle here), then runs it to
  // completion (7 cycles for EXP), offering garbage while busy, and records
  // the op's coverage classes from the result.
  void issue(int op, uint16_t a, uint16_t b, uint16_t c) {
    cur_op_ = op;
    cur_a_ = a, cur_b_ = b, cur_c_ = c;
    pe_in in{1, (uint8_t)op, a, b, c};
    tick(in);
    while (!pe_ready(&tw_)) {
      pe_in junk{(uint8_t)(gen_u64(&rng_) & 1u), (uint8_t)(gen_u64(&rng_) & 7u),
                 gen_any(&rng_), gen_any(&rng_), gen_any(&rng_)};
      tick(junk);
    }
    OpStats &s = stats_[op];
    s.vectors++;
    unsigned cl = gen_classify(op, a, b, c, tw_.out);
    s.seen |= cl;
    for (int j = 0; j < GEN_C_NCLASSES; j++) s.cls[j] += (cl >> j) & 1u;
  }

  void phase_corners(int op) {
    for (int i = 0; i < gen_ncorners; i++)
      for (int j = 0; j < gen_ncorners; j++) {
        if (op == PE_OP_MAC)
          for (int k = 0; k < gen_ncorners; k++)
            issue(op, gen_corners[i], gen_corners[j], gen_corners[k]);
        else
          issue(op, gen_corners[i], gen_corners[j], gen_any(&rng_));
      }
  }

  void phase_random(int op, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
      uint16_t a, b, c;
      gen_set(&rng_, op, &a, &b, &c);
      issue(op, a, b, c);
    }
  }

  void phase_exp_exhaustive() {
    for (uint32_t x = 0; x < 65536; x++) issue(PE_OP_EXP, (uint16_t)x, 0x0000, gen_any(&rng_));
  }

  // Random ops (including illegal codes), idle cycles and resets, issued
  // without waiting: offers made while busy must be ignored by both.
  void phase_mixed(uint64_t n) {
    cur_op_ = 8;
    for (uint64_t i = 0; i < n; i++) {
      uint64_t r = gen_u64(&rng_);
      pe_in in{(uint8_t)((r & 3u) != 0), (uint8_t)((r >> 2) & 7u), 0, 0, 0};
      gen_set(&rng_, in.op, &in.a, &in.b, &in.c);
      tick(in, ((r >> 8) & 1023u) == 0);
    }
  }

  bool report(bool expect_mismatch, double secs) {
    bool ok = true, all_caught = true;
    std::printf("%s bench: %" PRIu64 " cycles in %.2f s (%.2f M cycles/s), seed %" PRIu64 "\n",
                TB_NAME, cycles_, secs, cycles_ / secs / 1e6, seed_);
    for (int op = 0; op < 5; op++) {
      const OpStats &s = stats_[op];
      if (op == PE_OP_DIV && !TB_HAS_DIV) {
        std::printf("  %-3s %9" PRIu64 " sets (illegal on this PE: NaN), %" PRIu64 " mismatches\n",
                    op_names[op], s.vectors, s.mismatches);
        ok = ok && s.mismatches == 0;
        continue;
      }
      std::printf("  %-3s %9" PRIu64 " sets, %" PRIu64 " mismatches; classes:", op_names[op],
                  s.vectors, s.mismatches);
      for (int j = 0; j < GEN_C_NCLASSES; j++)
        if (gen_required(op) & (1u << j)) std::printf(" %s=%" PRIu64, gen_class_names[j], s.cls[j]);
      std::printf("\n");
      unsigned holes = gen_required(op) & ~s.seen;
      if (holes) {
        std::printf("  %-3s coverage hole:", op_names[op]);
        for (int j = 0; j < GEN_C_NCLASSES; j++)
          if (holes & (1u << j)) std::printf(" %s", gen_class_names[j]);
        std::printf("\n");
        ok = false;
      }
      ok = ok && s.mismatches == 0;
      bool rounds = op != PE_OP_MAX;  // every other op ends in fp16_round
      if (rounds && s.mismatches == 0) all_caught = false;
    }
    std::printf("  mixed stream: %" PRIu64 " mismatches\n", stats_[8].mismatches);
    ok = ok && stats_[8].mismatches == 0;
    if (expect_mismatch) {
      std::printf("%s: fault build %s\n", TB_NAME,
                  all_caught ? "caught by every rounding op (expected)"
                             : "NOT caught by every rounding op");
      return all_caught;
    }
    std::printf("%s: %s\n", TB_NAME, ok ? "PASS" : "FAIL");
    return ok;
  }

  void seed(uint64_t s) { rng_.s = seed_ = s; }

 private:
  void mismatch(const pe_in &in, bool ready_ok) {
    stats_[cur_op_].mismatches++;
    if (++printed_ <= 8)
      std::printf("MISMATCH cycle %" PRIu64 " op %s(%04x,%04x,%04x) offered v=%u op=%u:%s"
                  " rtl out=%04x v=%u seq=%u t=%04x f=%04x n=%d |"
                  " twin out=%04x v=%u seq=%u t=%04x f=%04x n=%d\n",
                  cycles_, cur_op_ < 8 ? op_names[cur_op_] : "mixed", cur_a_, cur_b_, cur_c_,
                  in.valid, in.op, ready_ok ? "" : " in_ready differs;", top_->out_data,
                  top_->out_valid, top_->st_seq, top_->st_t, top_->st_f, (int8_t)top_->st_n,
                  tw_.out, tw_.out_valid, tw_.seq, tw_.t, tw_.f, tw_.n);
    // resynchronise the twin so later vectors are judged on their own
    tw_.out = top_->out_data;
    tw_.out_valid = top_->out_valid;
    tw_.seq = top_->st_seq;
    tw_.t = top_->st_t;
    tw_.f = top_->st_f;
    tw_.n = (int8_t)top_->st_n;
  }

  std::unique_ptr<TB_MODEL> top_;
  pe_state tw_{};
  gen_rng rng_{1};
  uint64_t seed_ = 1, cycles_ = 0, printed_ = 0;
  int cur_op_ = 8;
  uint16_t cur_a_ = 0, cur_b_ = 0, cur_c_ = 0;
  OpStats stats_[9];  // per op code, [8] = mixed stream and reset
};

void usage(const char *argv0) {
  std::fprintf(stderr,
               "usage: %s [--vectors N] [--seed S] [--expect-mismatch]\n"
               "  N random operand sets per op (default 1000000), plus corners,\n"
               "  all 65536 exp inputs and a mixed stream of N/4 cycles.\n",
               argv0);
}

}  // namespace

int main(int argc, char **argv) {
  uint64_t n = 1000000, seed = 1;
  bool expect_mismatch = false;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--vectors") && i + 1 < argc) {
      n = std::strtoull(argv[++i], nullptr, 0);
    } else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 0);
    } else if (!std::strcmp(argv[i], "--expect-mismatch")) {
      expect_mismatch = true;
    } else {
      usage(argv[0]);
      return 2;
    }
  }
  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(1, argv);
  auto t0 = std::chrono::steady_clock::now();
  Bench b(ctx.get());
  b.seed(seed);
  const int ops[] = {PE_OP_MAC, PE_OP_ADD, PE_OP_MAX, PE_OP_EXP, PE_OP_DIV};
  for (int op : ops) b.phase_corners(op);
  for (int op : ops) b.phase_random(op, (op == PE_OP_DIV && !TB_HAS_DIV) ? n / 100 + 1 : n);
  b.phase_exp_exhaustive();
  b.phase_mixed(n / 4);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return b.report(expect_mismatch, secs) ? 0 : 1;
}
