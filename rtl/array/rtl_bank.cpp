// rtl_bank.cpp: pe_bank on the Verilated PE arrays (pe_array.v), the C++
// behind rtl_bank.h.  One model steps all its lanes per edge; a bank uses
// lanes 0..n-1 through a logical-to-physical map that is the identity
// except in a fault bank, where it swaps logical fault_pe with physical
// lane 0 (the one lane built with FAULT=1), so the fault lands where asked
// without a model per position.
#include "rtl_bank.h"

#include <verilated.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#include "rtl_bank_models.h"

namespace {

const char kImplName[] = "rtl";

struct rtl_base {
  pe_bank bank{};
  int lanes = 0;          // the model's lane count (>= bank.n)
  std::vector<int> phys;  // n: physical lane of logical PE i
  virtual ~rtl_base() { delete[] bank.st; }
  virtual void step(const pe_in *in) = 0;
  virtual void reset() = 0;
};

template <class M> struct rtl_model final : rtl_base {
  VerilatedContext ctx;  // declared before m: outlives it
  M m{&ctx};
  using root_t = typename std::remove_const<decltype(M::rootp)>::type;
  // The model's one-edge evaluation without Verilator's second pass over
  // the lanes' logic (fast_edge.cmake), or NULL: eval().
  void (*const fast_eval)(root_t);

  rtl_model(int nlanes, void (*fast)(root_t)) : fast_eval(fast) {
    lanes = nlanes;
    for (int p = 0; p < nlanes; p++) {  // every lane offered nothing
      m.in_valid[p] = 0;
      m.in_op[p] = 0;
      m.in_a[p] = m.in_b[p] = m.in_c[p] = 0;
    }
  }

  // One rising edge: inputs and clk change in the same eval(), so the
  // model settles its input logic before the edge.  Lowering the clock
  // would take a second eval() whose only lasting effect (Verilator
  // 5.006's generated code, read) is to record clk = 0 as the trigger's
  // previous value; it also re-runs all lanes' input logic, which the
  // next eval() recomputes anyway.  Recording the 0 directly saves that
  // pass (measured 5.9e6 against 4.1e6-5.0e6 PE-cycles/s for 256 pe2d
  // lanes); where the generated model has no such member, lower_clock
  // falls back to the eval().  test_rtl_bank checks every edge.
  // With fast_eval the edge also skips the lanes' logic Verilator re-runs
  // after the registers update: the next edge's input pass recomputes it
  // from the new inputs and registers before anything reads it (the
  // registers and outputs it leaves are the eval()'s).  The first edge
  // (reset) is always an eval(), which also initialises the model.
  void edge(bool fast) {
    m.clk = 1;
    if (fast)
      fast_eval(m.rootp);
    else
      m.eval();
    m.clk = 0;
    lower_clock(m.rootp, 0);
  }
  template <class R>
  auto lower_clock(R *root, int) -> decltype(root->__Vtrigrprev__TOP__clk = 0, void()) {
    root->__Vtrigrprev__TOP__clk = 0;
  }
  template <class R> void lower_clock(R *, long) { m.eval(); }

  void read_back() {
    pe_state *st = bank.st;
    for (int i = 0; i < bank.n; i++) {
      const int p = phys[i];
      st[i].out = m.out_data[p];
      st[i].out_valid = m.out_valid[p];
      st[i].seq = m.st_seq[p];
      st[i].t = m.st_t[p];
      st[i].f = m.st_f[p];
      st[i].n = (int8_t)m.st_n[p];
    }
  }

  // Lanes >= n keep the valid = 0 (offered nothing) of the constructor.
  void step(const pe_in *in) override {
    for (int i = 0; i < bank.n; i++) {
      const int p = phys[i];
      m.in_valid[p] = in[i].valid ? 1 : 0;
      // The RTL sees 3 op bits; codes above 7 are illegal for the twin
      // too, so they are offered as the illegal 7 (same NaN result).
      m.in_op[p] = in[i].op > 7 ? 7 : in[i].op;
      m.in_a[p] = in[i].a;
      m.in_b[p] = in[i].b;
      m.in_c[p] = in[i].c;
    }
    edge(fast_eval != nullptr);
    read_back();
  }

  void reset() override {
    m.rst = 1;
    edge(false);
    m.rst = 0;
    read_back();
  }
};

// ATTNSIM_RTL_EVAL=1 in the environment: every edge through eval(), for
// comparing the fast edge with Verilator's own schedule.
bool fast_edge_off() {
  const char *e = std::getenv("ATTNSIM_RTL_EVAL");
  return e && std::strcmp(e, "1") == 0;
}

// The compiled models, from the generated table.
struct model_info {
  int has_div, lanes, fault;
  rtl_base *(*make)();
};
template <class M, int L, void (*F)(typename rtl_model<M>::root_t), const bool *OK>
rtl_base *make_model() {
  return new rtl_model<M>(L, *OK && !fast_edge_off() ? F : nullptr);
}

#define RTL_BANK_ENTRY(cls, div, nlanes, flt) \
  {div, nlanes, flt, make_model<cls, nlanes, cls##___024root___eval_edge, &cls##_fast_edge>},
const model_info kModels[] = {RTL_BANK_MODELS(RTL_BANK_ENTRY)};
#undef RTL_BANK_ENTRY

rtl_base *impl_of(pe_bank *b) { return static_cast<rtl_base *>(b->impl); }

void rtl_step(pe_bank *b, const pe_in *in) { impl_of(b)->step(in); }
void rtl_reset(pe_bank *b) { impl_of(b)->reset(); }
void rtl_close(pe_bank *b) {
  if (b) delete impl_of(b);  // b is the impl's own member
}

// The smallest model of (has_div, fault) with at least n lanes, or NULL.
const model_info *pick(int has_div, int fault, int n) {
  const model_info *best = nullptr;
  for (const model_info &mi : kModels)
    if (mi.has_div == has_div && mi.fault == fault && mi.lanes >= n &&
        (!best || mi.lanes < best->lanes))
      best = &mi;
  return best;
}

int max_lanes(int has_div, int fault) {
  int m = 0;
  for (const model_info &mi : kModels)
    if (mi.has_div == has_div && mi.fault == fault && mi.lanes > m) m = mi.lanes;
  return m;
}

void say(char *err, int errlen, const char *msg, int a, int b) {
  if (err && errlen > 0) std::snprintf(err, (size_t)errlen, msg, a, b);
}

}  // namespace

extern "C" int rtl_bank_max(int kind, int fault) {
  if (kind != PE_KIND_2D && kind != PE_KIND_1D) return 0;
  return max_lanes(kind == PE_KIND_1D, fault != 0);
}

extern "C" int rtl_bank_threads(void) { return RTL_BANK_THREADS; }

extern "C" int rtl_bank_lanes(const pe_bank *b) {
  if (!b || b->close != rtl_close) return 0;
  return static_cast<const rtl_base *>(b->impl)->lanes;
}

extern "C" pe_bank *rtl_bank_open(int kind, int n, int fault_pe, char *err, int errlen) {
  if (kind != PE_KIND_2D && kind != PE_KIND_1D) {
    say(err, errlen, "rtl bank: unknown PE kind %d", kind, 0);
    return nullptr;
  }
  const char *kname = kind == PE_KIND_1D ? "pe1d" : "pe2d";
  const int fault = fault_pe >= 0;
  if (n < 1) {
    say(err, errlen, "rtl bank: %d PEs (at least 1)", n, 0);
    return nullptr;
  }
  if (fault && fault_pe >= n) {
    say(err, errlen, "rtl bank: fault PE %d outside a bank of %d PEs", fault_pe, n);
    return nullptr;
  }
  const model_info *mi = pick(kind == PE_KIND_1D, fault, n);
  if (!mi) {
    if (err && errlen > 0)
      std::snprintf(err, (size_t)errlen,
                    "rtl bank: %d %s PEs exceed the largest compiled %sarray, %d lanes "
                    "(ATTNSIM_RTL_BANK_%sLANES in rtl/array/CMakeLists.txt)",
                    n, kname, fault ? "fault " : "", max_lanes(kind == PE_KIND_1D, fault),
                    fault ? "FAULT_" : "");
    return nullptr;
  }
  std::unique_ptr<rtl_base> r;
  try {
    r.reset(mi->make());
    r->phys.resize((size_t)n);
    for (int i = 0; i < n; i++) r->phys[(size_t)i] = i;
    if (fault) {  // the faulty physical lane 0 serves logical fault_pe
      r->phys[0] = fault_pe;
      r->phys[(size_t)fault_pe] = 0;
    }
    r->bank.st = new pe_state[(size_t)n]();
  } catch (const std::bad_alloc &) {
    say(err, errlen, "rtl bank: out of memory for %d PEs", n, 0);
    return nullptr;
  }
  pe_bank &b = r->bank;
  b.impl_name = kImplName;
  b.kind = kind;
  b.n = n;
  b.step = rtl_step;
  b.reset = rtl_reset;
  b.close = rtl_close;
  b.impl = r.get();
  r->reset();  // registers start unknown in the model: reset, as pe_bank_twin is
  return &r.release()->bank;
}
