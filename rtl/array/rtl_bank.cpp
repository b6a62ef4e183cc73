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
#include <memory>
#include <new>
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

// Lane fields in the packed ports (VlWide: 32-bit words, lane 0 lowest):
// one byte per lane for valid, op, seq, n; 16 bits for a, b, c, out, t, f.
template <class W> inline unsigned get8(const W &w, int lane) {
  return (w[lane >> 2] >> (8 * (lane & 3))) & 0xFFu;
}
template <class W> inline unsigned get16(const W &w, int lane) {
  return (w[lane >> 1] >> (16 * (lane & 1))) & 0xFFFFu;
}
template <class W> inline void pack8(W &w, const std::vector<uint8_t> &v) {
  for (size_t i = 0; i < v.size(); i += 4)
    w[i >> 2] = v[i] | (uint32_t)v[i + 1] << 8 | (uint32_t)v[i + 2] << 16 |
                (uint32_t)v[i + 3] << 24;
}
template <class W> inline void pack16(W &w, const std::vector<uint16_t> &v) {
  for (size_t i = 0; i < v.size(); i += 2) w[i >> 1] = v[i] | (uint32_t)v[i + 1] << 16;
}

template <class M> struct rtl_model final : rtl_base {
  VerilatedContext ctx;  // declared before m: outlives it
  M m{&ctx};
  // The offers of the current edge in physical lane order; lanes >= n
  // keep valid = 0 for ever (offered nothing).
  std::vector<uint8_t> valid, op;
  std::vector<uint16_t> a, b, c;

  explicit rtl_model(int nlanes)
      : valid(nlanes, 0), op(nlanes, 0), a(nlanes, 0), b(nlanes, 0), c(nlanes, 0) {
    lanes = nlanes;
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
  void edge() {
    m.clk = 1;
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
      st[i].out = (uint16_t)get16(m.out_data, p);
      st[i].out_valid = (uint8_t)(get8(m.out_valid, p) & 1u);
      st[i].seq = (uint8_t)(get8(m.st_seq, p) & 7u);
      st[i].t = (uint16_t)get16(m.st_t, p);
      st[i].f = (uint16_t)get16(m.st_f, p);
      st[i].n = (int8_t)(uint8_t)get8(m.st_n, p);
    }
  }

  void step(const pe_in *in) override {
    for (int i = 0; i < bank.n; i++) {
      const int p = phys[i];
      valid[p] = in[i].valid ? 1 : 0;
      // The RTL sees 3 op bits; codes above 7 are illegal for the twin
      // too, so they are offered as the illegal 7 (same NaN result).
      op[p] = in[i].op > 7 ? 7 : in[i].op;
      a[p] = in[i].a;
      b[p] = in[i].b;
      c[p] = in[i].c;
    }
    pack8(m.in_valid, valid);
    pack8(m.in_op, op);
    pack16(m.in_a, a);
    pack16(m.in_b, b);
    pack16(m.in_c, c);
    edge();
    read_back();
  }

  void reset() override {
    m.rst = 1;
    edge();
    m.rst = 0;
    read_back();
  }
};

// The compiled models, from the generated table.
struct model_info {
  int has_div, lanes, fault;
  rtl_base *(*make)();
};
template <class M, int L> rtl_base *make_model() { return new rtl_model<M>(L); }

#define RTL_BANK_ENTRY(cls, div, nlanes, flt) {div, nlanes, flt, make_model<cls, nlanes>},
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
