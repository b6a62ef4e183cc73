// pe_bench.cpp: PE throughput, to size the later RTL co-simulation.  Runs
// one attention-like op stream (MACs with an EXP, a MAX and an ADD mixed
// in) through (1) one Verilated pe2d, (2) an array of Verilated pe2d models
// stepped round-robin, (3) one C-twin PE, (4) an array of C-twin PEs stepped
// from one loop (what a SystemC clocked method would do), and prints
// PE-cycles per second.  Benchmark only: it never fails on a time; it exits
// 1 only if the Verilated and twin runs of the same stream disagree.
//   pe_bench [--cycles N] [--array P]     (defaults 2000000, 4096)
#include <verilated.h>

#include "Vpe2d.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

extern "C" {
#include "fp16_gen.h"
#include "pe.h"
}

namespace {

constexpr unsigned kTable = 4096;  // distinct offers, cycled through

std::vector<pe_in> make_stream() {
  gen_rng r{42};
  std::vector<pe_in> t(kTable);
  for (unsigned i = 0; i < kTable; i++) {
    unsigned k = i % 16;
    int op = k == 0 ? PE_OP_EXP : k == 1 ? PE_OP_MAX : k == 2 ? PE_OP_ADD : PE_OP_MAC;
    t[i].valid = 1;
    t[i].op = (uint8_t)op;
    gen_set(&r, op, &t[i].a, &t[i].b, &t[i].c);
  }
  return t;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void drive(Vpe2d *m, const pe_in &in) {
  m->in_valid = in.valid;
  m->in_op = in.op;
  m->in_a = in.a;
  m->in_b = in.b;
  m->in_c = in.c;
  m->clk = 0;
  m->eval();
  m->clk = 1;
  m->eval();
}

void report(const char *what, uint64_t pe_cycles, double s) {
  std::printf("%-34s %12.3g PE-cycles/s  (%.1f ns per PE-cycle, %llu PE-cycles in %.2f s)\n",
              what, pe_cycles / s, s * 1e9 / pe_cycles, (unsigned long long)pe_cycles, s);
}

}  // namespace

int main(int argc, char **argv) {
  uint64_t cycles = 2000000;
  unsigned array = 4096;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--cycles") && i + 1 < argc)
      cycles = std::strtoull(argv[++i], nullptr, 0);
    else if (!std::strcmp(argv[i], "--array") && i + 1 < argc)
      array = (unsigned)std::strtoul(argv[++i], nullptr, 0);
    else {
      std::fprintf(stderr, "usage: %s [--cycles N] [--array P]\n", argv[0]);
      return 2;
    }
  }
  if (array == 0) array = 1;
  const std::vector<pe_in> s = make_stream();
  auto ctx = std::make_unique<VerilatedContext>();
  uint64_t sum_rtl = 0, sum_twin = 0;

  {  // (1) one Verilated PE
    Vpe2d m{ctx.get()};
    m.rst = 1;
    drive(&m, pe_in{});
    m.rst = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t c = 0; c < cycles; c++) {
      drive(&m, s[c % kTable]);
      sum_rtl += m.out_data;
    }
    report("Verilated pe2d, 1 model", cycles, seconds_since(t0));
  }
  {  // (3) one C-twin PE, same stream: must end with the same checksum
    pe_state pe;
    pe_reset(&pe);
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t c = 0; c < cycles; c++) {
      pe2d_step(&pe, &s[c % kTable]);
      sum_twin += pe.out;
    }
    report("C twin, 1 PE", cycles, seconds_since(t0));
  }
  {  // (2) an array of Verilated models, each with its own offset in the stream
    std::vector<std::unique_ptr<Vpe2d>> ms;
    for (unsigned p = 0; p < array; p++) ms.emplace_back(new Vpe2d{ctx.get()});
    uint64_t steps = cycles / array + 1;
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t c = 0; c < steps; c++)
      for (unsigned p = 0; p < array; p++) drive(ms[p].get(), s[(c + p) % kTable]);
    char what[64];
    std::snprintf(what, sizeof what, "Verilated pe2d, %u models", array);
    report(what, steps * array, seconds_since(t0));
  }
  {  // (4) an array of C-twin PEs stepped from one loop
    std::vector<pe_state> pes(array);
    for (pe_state &pe : pes) pe_reset(&pe);
    uint64_t steps = cycles / array + 1;
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t c = 0; c < steps; c++)
      for (unsigned p = 0; p < array; p++) pe2d_step(&pes[p], &s[(c + p) % kTable]);
    char what[64];
    std::snprintf(what, sizeof what, "C twin, %u PEs", array);
    report(what, steps * array, seconds_since(t0));
  }
  std::printf("checksum of out over the single-PE runs: rtl %llx, twin %llx: %s\n",
              (unsigned long long)sum_rtl, (unsigned long long)sum_twin,
              sum_rtl == sum_twin ? "agree" : "DISAGREE");
  return sum_rtl == sum_twin ? 0 : 1;
}
