// pare_dnnl: a minimal N-API (plain C node_api.h) binding to oneDNN 2.6 (CPU, f32).
//
// Tensors crossing the boundary are either
//   * a Float32Array            -> plain, contiguous layout (NCHW / OIHW / GOIHW / C), dims implied by the op
//   * { data: Float32Array, dims: number[], desc?: External }
//                               -> with `desc`: a oneDNN memory descriptor (possibly blocked, e.g. nChw16c)
//                                  without `desc`: plain layout of `dims`
// Every op is created once per shape ("handle", primitives cached inside) and executed many times.
// If an input/output layout differs from what the primitive wants, the op reorders through a cached
// scratch buffer (counted in stats()). Allocate tensors with alloc(layout(handle, 'src'|...)) to keep
// them in the primitive's preferred (blocked) layout and avoid all reorders.
//
// All execution is synchronous on the calling (JS main) thread; oneDNN parallelises with OpenMP.

#include <node_api.h>
#include <omp.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

using namespace dnnl;
using dims_t = memory::dims;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

// ---------------------------------------------------------------------------------------------
// globals

engine &eng() {
  static engine e(engine::kind::cpu, 0);
  return e;
}
stream &strm() {
  static stream s(eng());
  return s;
}

struct Stats {
  double reorders = 0, reorder_ms = 0, execs = 0, exec_ms = 0;
} g_stats;

using clk = std::chrono::steady_clock;
inline double ms_since(clk::time_point t0) {
  return std::chrono::duration<double, std::milli>(clk::now() - t0).count();
}

struct JsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

#define NAPI_CHECK(call)                                                     \
  do {                                                                       \
    if ((call) != napi_ok) throw JsError("N-API call failed: " #call);       \
  } while (0)

// ---------------------------------------------------------------------------------------------
// descriptor helpers

std::string md_key(const memory::desc &md) {
  return std::string(reinterpret_cast<const char *>(&md.data), sizeof(md.data));
}

tag plain_tag(size_t ndims) {
  switch (ndims) {
    case 1: return tag::a;
    case 2: return tag::ab;
    case 3: return tag::abc;
    case 4: return tag::abcd;
    case 5: return tag::abcde;
    default: throw JsError("unsupported rank");
  }
}

memory::desc plain_md(const dims_t &d) { return memory::desc(d, dt::f32, plain_tag(d.size())); }

// Human readable layout: outer dims ordered by stride ('a'..'e'), then inner blocks, e.g. "aBcd16b".
std::string fmt_str(const memory::desc &md) {
  const auto &d = md.data;
  if (d.format_kind != dnnl_blocked) return d.format_kind == dnnl_format_kind_any ? "any" : "opaque";
  int nd = d.ndims;
  const auto &blk = d.format_desc.blocking;
  std::vector<int> order(nd);
  for (int i = 0; i < nd; i++) order[i] = i;
  for (int i = 0; i < nd; i++)
    for (int j = i + 1; j < nd; j++)
      if (blk.strides[order[j]] > blk.strides[order[i]]) std::swap(order[i], order[j]);
  std::vector<bool> blocked(nd, false);
  for (int i = 0; i < blk.inner_nblks; i++) blocked[blk.inner_idxs[i]] = true;
  std::string s;
  for (int i : order) s += static_cast<char>((blocked[i] ? 'A' : 'a') + i);
  for (int i = 0; i < blk.inner_nblks; i++)
    s += std::to_string(blk.inner_blks[i]) + static_cast<char>('a' + blk.inner_idxs[i]);
  return s;
}

// ---------------------------------------------------------------------------------------------
// N-API helpers

napi_value js_undefined(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  NAPI_CHECK(napi_typeof(env, v, &t));
  return t == napi_undefined || t == napi_null;
}

napi_value get_prop(napi_env env, napi_value obj, const char *name) {
  napi_value v;
  NAPI_CHECK(napi_get_named_property(env, obj, name, &v));
  return v;
}

bool has_prop(napi_env env, napi_value obj, const char *name) {
  bool r;
  NAPI_CHECK(napi_has_named_property(env, obj, name, &r));
  return r;
}

double get_num(napi_env env, napi_value v) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) throw JsError("expected a number");
  return d;
}

int64_t opt_int(napi_env env, napi_value obj, const char *name, int64_t def) {
  if (!has_prop(env, obj, name)) return def;
  napi_value v = get_prop(env, obj, name);
  if (is_nullish(env, v)) return def;
  return static_cast<int64_t>(get_num(env, v));
}

double opt_num(napi_env env, napi_value obj, const char *name, double def) {
  if (!has_prop(env, obj, name)) return def;
  napi_value v = get_prop(env, obj, name);
  if (is_nullish(env, v)) return def;
  return get_num(env, v);
}

bool opt_bool(napi_env env, napi_value obj, const char *name, bool def) {
  if (!has_prop(env, obj, name)) return def;
  napi_value v = get_prop(env, obj, name);
  if (is_nullish(env, v)) return def;
  bool b;
  NAPI_CHECK(napi_get_value_bool(env, v, &b));
  return b;
}

std::string opt_str(napi_env env, napi_value obj, const char *name, const std::string &def) {
  if (!has_prop(env, obj, name)) return def;
  napi_value v = get_prop(env, obj, name);
  if (is_nullish(env, v)) return def;
  char buf[64];
  size_t len;
  NAPI_CHECK(napi_get_value_string_utf8(env, v, buf, sizeof buf, &len));
  return std::string(buf, len);
}

dims_t get_dims(napi_env env, napi_value arr) {
  uint32_t n;
  if (napi_get_array_length(env, arr, &n) != napi_ok) throw JsError("expected an array of numbers");
  dims_t d(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    NAPI_CHECK(napi_get_element(env, arr, i, &e));
    d[i] = static_cast<int64_t>(get_num(env, e));
  }
  return d;
}

dims_t opt_dims(napi_env env, napi_value obj, const char *name, dims_t def) {
  if (!has_prop(env, obj, name)) return def;
  napi_value v = get_prop(env, obj, name);
  if (is_nullish(env, v)) return def;
  return get_dims(env, v);
}

napi_value make_num(napi_env env, double d) {
  napi_value v;
  NAPI_CHECK(napi_create_double(env, d, &v));
  return v;
}

napi_value make_str(napi_env env, const std::string &s) {
  napi_value v;
  NAPI_CHECK(napi_create_string_utf8(env, s.c_str(), s.size(), &v));
  return v;
}

napi_value make_dims(napi_env env, const dims_t &d) {
  napi_value a;
  NAPI_CHECK(napi_create_array_with_length(env, d.size(), &a));
  for (size_t i = 0; i < d.size(); i++) NAPI_CHECK(napi_set_element(env, a, i, make_num(env, (double)d[i])));
  return a;
}

void set(napi_env env, napi_value obj, const char *name, napi_value v) {
  NAPI_CHECK(napi_set_named_property(env, obj, name, v));
}

// memory::desc boxed in an External so JS can carry layouts around.
const int kDescTag = 0x44455343;  // 'DESC'
struct BoxedDesc {
  int tag = kDescTag;
  memory::desc md;
};

napi_value make_desc(napi_env env, const memory::desc &md) {
  auto *b = new BoxedDesc{kDescTag, md};
  napi_value v;
  NAPI_CHECK(napi_create_external(
      env, b, [](napi_env, void *p, void *) { delete static_cast<BoxedDesc *>(p); }, nullptr, &v));
  return v;
}

const memory::desc *get_desc(napi_env env, napi_value v) {
  napi_valuetype t;
  NAPI_CHECK(napi_typeof(env, v, &t));
  if (t != napi_external) return nullptr;
  void *p;
  NAPI_CHECK(napi_get_value_external(env, v, &p));
  auto *b = static_cast<BoxedDesc *>(p);
  if (!b || b->tag != kDescTag) throw JsError("desc: not a layout descriptor");
  return &b->md;
}

// Layout info object: { desc, dims, size (floats incl. padding), format, bytes }
napi_value make_layout(napi_env env, const memory::desc &md) {
  napi_value o;
  NAPI_CHECK(napi_create_object(env, &o));
  set(env, o, "desc", make_desc(env, md));
  set(env, o, "dims", make_dims(env, md.dims()));
  set(env, o, "size", make_num(env, (double)(md.get_size() / sizeof(float))));
  set(env, o, "format", make_str(env, fmt_str(md)));
  return o;
}

struct TensorArg {
  float *ptr = nullptr;
  size_t bytes = 0;
  bool has_md = false;
  memory::desc md;
};

// Accepts Float32Array | {data, dims?, desc?}.
TensorArg get_tensor(napi_env env, napi_value v, const char *what) {
  napi_valuetype t;
  NAPI_CHECK(napi_typeof(env, v, &t));
  if (t != napi_object) throw JsError(std::string(what) + ": expected Float32Array or tensor object");
  bool is_ta;
  NAPI_CHECK(napi_is_typedarray(env, v, &is_ta));
  TensorArg r;
  napi_value data = v;
  if (!is_ta) {
    data = get_prop(env, v, "data");
    NAPI_CHECK(napi_is_typedarray(env, data, &is_ta));
    if (!is_ta) throw JsError(std::string(what) + ": .data must be a Float32Array");
    napi_value d = get_prop(env, v, "desc");
    if (const memory::desc *md = get_desc(env, d)) {
      r.md = *md;
      r.has_md = true;
    } else if (has_prop(env, v, "dims")) {
      napi_value dv = get_prop(env, v, "dims");
      if (!is_nullish(env, dv)) {
        r.md = plain_md(get_dims(env, dv));
        r.has_md = true;
      }
    }
  }
  napi_typedarray_type tt;
  size_t len, off;
  void *p;
  napi_value ab;
  NAPI_CHECK(napi_get_typedarray_info(env, data, &tt, &len, &p, &ab, &off));
  if (tt != napi_float32_array) throw JsError(std::string(what) + ": expected Float32Array");
  r.ptr = static_cast<float *>(p);
  r.bytes = len * sizeof(float);
  return r;
}

// ---------------------------------------------------------------------------------------------
// reorders and argument binding

std::unordered_map<std::string, reorder> g_reorders;

void do_reorder(memory &src, memory &dst) {
  auto t0 = clk::now();
  std::string key = md_key(src.get_desc()) + md_key(dst.get_desc());
  auto it = g_reorders.find(key);
  if (it == g_reorders.end()) it = g_reorders.emplace(key, reorder(src, dst)).first;
  it->second.execute(strm(), src, dst);
  strm().wait();
  g_stats.reorders += 1;
  g_stats.reorder_ms += ms_since(t0);
}

// Same logical shape? (plain dims vs primitive dims; allows [oc,ic,kh,kw] vs [g,oc/g,ic/g,kh,kw])
int64_t nelems(const dims_t &d) {
  int64_t n = 1;
  for (auto x : d) n *= x;
  return n;
}

memory::desc user_md(const TensorArg &t, const memory::desc &plain, const char *what) {
  memory::desc have = t.has_md ? t.md : plain;
  if (t.has_md && have.dims() != plain.dims()) {
    // tolerate a plain tensor with differently grouped dims but same element count
    if (nelems(have.dims()) == nelems(plain.dims()) && md_key(have) == md_key(plain_md(have.dims())))
      have = plain;
    else
      throw JsError(std::string(what) + ": shape mismatch");
  }
  if (t.bytes < have.get_size())
    throw JsError(std::string(what) + ": buffer too small (" + std::to_string(t.bytes / 4) + " < " +
                  std::to_string(have.get_size() / 4) + " floats)");
  return have;
}

struct Scratch {
  std::unordered_map<int, memory> slots;
  memory &get(int slot, const memory::desc &md) {
    auto it = slots.find(slot);
    if (it == slots.end() || it->second.get_desc() != md) {
      slots[slot] = memory(md, eng());
      return slots[slot];
    }
    return it->second;
  }
};

// Bind an input: returns memory in `want` layout (reordering into scratch if needed).
memory bind_in(const TensorArg &t, const memory::desc &want, const memory::desc &plain, Scratch &sc, int slot,
               const char *what) {
  memory::desc have = user_md(t, plain, what);
  memory user(have, eng(), t.ptr);
  if (have == want) return user;
  memory &s = sc.get(slot, want);
  do_reorder(user, s);
  return s;
}

struct OutBind {
  memory prim, user;
  bool copy_back = false;
};

OutBind bind_out(const TensorArg &t, const memory::desc &want, const memory::desc &plain, Scratch &sc, int slot,
                 const char *what) {
  memory::desc have = user_md(t, plain, what);
  OutBind o;
  o.user = memory(have, eng(), t.ptr);
  if (have == want) {
    o.prim = o.user;
  } else {
    o.prim = sc.get(slot, want);
    o.copy_back = true;
  }
  return o;
}

void finish(OutBind &o) {
  if (o.copy_back) do_reorder(o.prim, o.user);
}

void run(primitive &p, const std::unordered_map<int, memory> &args) {
  auto t0 = clk::now();
  p.execute(strm(), args);
  strm().wait();
  g_stats.execs += 1;
  g_stats.exec_ms += ms_since(t0);
}

// ---------------------------------------------------------------------------------------------
// op handles

const int kOpTag = 0x4f505320;  // 'OPS '

// Optional per-op OpenMP thread count (0 = global setting), applied while creating and executing.
struct ThreadScope {
  int saved = 0;
  explicit ThreadScope(int n) {
    if (n > 0) {
      saved = omp_get_max_threads();
      omp_set_num_threads(n);
    }
  }
  ~ThreadScope() {
    if (saved > 0) omp_set_num_threads(saved);
  }
};

struct Op {
  int tag = kOpTag;
  std::string kind;
  int threads = 0;
  Scratch sc;
  virtual ~Op() = default;
  virtual memory::desc query(const std::string &which) = 0;
  virtual std::string impl(const std::string &which) = 0;
};

Op *get_op(napi_env env, napi_value v, const char *kind) {
  void *p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) throw JsError("expected an op handle");
  auto *op = static_cast<Op *>(p);
  if (op->tag != kOpTag) throw JsError("expected an op handle");
  if (kind && op->kind != kind) throw JsError(std::string("expected a ") + kind + " handle, got " + op->kind);
  return op;
}

napi_value wrap_op(napi_env env, Op *op) {
  napi_value v;
  NAPI_CHECK(napi_create_external(
      env, op, [](napi_env, void *p, void *) { delete static_cast<Op *>(p); }, nullptr, &v));
  return v;
}

// desc from an optional {desc} / External / 'plain'|'any'|'nhwc' string
enum class LayoutReq { Plain, Any, Nhwc, Given };
struct LayoutOpt {
  LayoutReq req = LayoutReq::Plain;
  memory::desc md;
};
LayoutOpt opt_layout(napi_env env, napi_value obj, const char *name, LayoutReq def) {
  LayoutOpt r;
  r.req = def;
  if (!has_prop(env, obj, name)) return r;
  napi_value v = get_prop(env, obj, name);
  if (is_nullish(env, v)) return r;
  napi_valuetype t;
  NAPI_CHECK(napi_typeof(env, v, &t));
  if (t == napi_string) {
    std::string s = opt_str(env, obj, name, "");
    if (s == "plain" || s == "nchw") r.req = LayoutReq::Plain;
    else if (s == "any" || s == "blocked") r.req = LayoutReq::Any;
    else if (s == "nhwc") r.req = LayoutReq::Nhwc;
    else throw JsError("unknown layout " + s);
    return r;
  }
  if (t == napi_object) v = get_prop(env, v, "desc");
  const memory::desc *md = get_desc(env, v);
  if (!md) throw JsError(std::string(name) + ": expected layout string or descriptor");
  r.req = LayoutReq::Given;
  r.md = *md;
  return r;
}

memory::desc resolve(const LayoutOpt &l, const dims_t &d) {
  switch (l.req) {
    case LayoutReq::Plain: return plain_md(d);
    case LayoutReq::Any: return memory::desc(d, dt::f32, tag::any);
    case LayoutReq::Nhwc: return memory::desc(d, dt::f32, tag::nhwc);
    case LayoutReq::Given:
      if (l.md.dims() != d) throw JsError("given layout has wrong dims");
      return l.md;
  }
  return plain_md(d);
}

// ---- convolution -------------------------------------------------------------------------------

struct ConvOp : Op {
  dims_t src_d, wei_d, bias_d, dst_d;
  bool bias = false;
  memory::desc src_p, wei_p, bias_p, dst_p;  // plain
  convolution_forward::primitive_desc fwd_pd;
  convolution_backward_data::primitive_desc bd_pd;
  convolution_backward_weights::primitive_desc bw_pd;
  primitive fwd, bd, bw;
  bool training = true;

  memory::desc query(const std::string &w) override {
    if (w == "src") return fwd_pd.src_desc();
    if (w == "weights") return fwd_pd.weights_desc();
    if (w == "bias") return bias_p;
    if (w == "dst") return fwd_pd.dst_desc();
    if (!training) throw JsError("conv created with training=false");
    if (w == "diff_src") return bd_pd.diff_src_desc();
    if (w == "diff_dst") return bd_pd.diff_dst_desc();
    if (w == "diff_dst_w") return bw_pd.diff_dst_desc();
    if (w == "src_w") return bw_pd.src_desc();
    if (w == "weights_d") return bd_pd.weights_desc();
    if (w == "diff_weights") return bw_pd.diff_weights_desc();
    if (w == "diff_bias") return bias_p;
    throw JsError("conv: unknown layout " + w);
  }
  std::string impl(const std::string &w) override {
    if (w == "fwd") return fwd_pd.impl_info_str();
    if (w == "bwd_data") return bd_pd.impl_info_str();
    if (w == "bwd_weights") return bw_pd.impl_info_str();
    throw JsError("conv: impl of fwd|bwd_data|bwd_weights");
  }
};

napi_value conv_create(napi_env env, napi_value o) {
  auto op = std::make_unique<ConvOp>();
  op->kind = "conv";
  int64_t n = opt_int(env, o, "n", 1), c = opt_int(env, o, "c", 1), h = opt_int(env, o, "h", 1),
          w = opt_int(env, o, "w", 1), oc = opt_int(env, o, "oc", 1), g = opt_int(env, o, "group", 1);
  dims_t k = opt_dims(env, o, "kernel", {3, 3});
  dims_t s = opt_dims(env, o, "strides", {1, 1});
  dims_t p = opt_dims(env, o, "pads", {0, 0, 0, 0});  // ONNX order: top, left, bottom, right
  dims_t dl = opt_dims(env, o, "dilations", {1, 1});  // ONNX convention (1 = dense)
  op->bias = opt_bool(env, o, "bias", false);
  op->training = opt_bool(env, o, "training", true);
  std::string algo_s = opt_str(env, o, "algorithm", "direct");
  LayoutOpt lay = opt_layout(env, o, "layout", LayoutReq::Any);
  std::string wlay = opt_str(env, o, "weightsLayout", "any");
  if (k.size() != 2 || s.size() != 2 || p.size() != 4 || dl.size() != 2) throw JsError("conv: 2-D only");
  if (c % g || oc % g) throw JsError("conv: channels not divisible by group");
  int64_t oh = (h + p[0] + p[2] - ((k[0] - 1) * dl[0] + 1)) / s[0] + 1;
  int64_t ow = (w + p[1] + p[3] - ((k[1] - 1) * dl[1] + 1)) / s[1] + 1;
  if (oh <= 0 || ow <= 0) throw JsError("conv: empty output");
  op->src_d = {n, c, h, w};
  op->dst_d = {n, oc, oh, ow};
  op->wei_d = g > 1 ? dims_t{g, oc / g, c / g, k[0], k[1]} : dims_t{oc, c, k[0], k[1]};
  op->bias_d = {oc};
  op->src_p = plain_md(op->src_d);
  op->dst_p = plain_md(op->dst_d);
  op->wei_p = plain_md(op->wei_d);
  op->bias_p = plain_md(op->bias_d);
  dims_t strides = {s[0], s[1]}, dil = {dl[0] - 1, dl[1] - 1}, pl = {p[0], p[1]}, pr = {p[2], p[3]};

  memory::desc src_a, dst_a, wei_a = memory::desc(op->wei_d, dt::f32, tag::any);
  if (lay.req == LayoutReq::Given) {
    src_a = lay.md;  // chain: src layout fixed by the producer, dst free
    dst_a = memory::desc(op->dst_d, dt::f32, tag::any);
  } else {
    src_a = resolve(lay, op->src_d);
    dst_a = resolve(lay, op->dst_d);
  }
  if (lay.req == LayoutReq::Plain) wei_a = op->wei_p;
  algorithm algo = algo_s == "auto"       ? algorithm::convolution_auto
                   : algo_s == "winograd" ? algorithm::convolution_winograd
                                          : algorithm::convolution_direct;
  memory::desc bias_a = op->bias ? op->bias_p : memory::desc();
  prop_kind pk = op->training ? prop_kind::forward_training : prop_kind::forward_inference;
  convolution_forward::desc fd(pk, algo, src_a, wei_a, bias_a, dst_a, strides, dil, pl, pr);
  op->fwd_pd = convolution_forward::primitive_desc(fd, eng());
  // A source layout the JIT kernels do not take with a free destination (NHWC from a concat): let
  // oneDNN choose the source too; bind_in reorders the producer's tensor.
  if (lay.req == LayoutReq::Given && std::string(op->fwd_pd.impl_info_str()).find("ref") != std::string::npos) {
    src_a = memory::desc(op->src_d, dt::f32, tag::any);
    convolution_forward::desc fd2(pk, algo, src_a, wei_a, bias_a, dst_a, strides, dil, pl, pr);
    op->fwd_pd = convolution_forward::primitive_desc(fd2, eng());
  }
  op->fwd = convolution_forward(op->fwd_pd);
  if (op->training) {
    // Backward: diff_src / diff_dst use the forward src / dst layouts, so that a chain kept in blocked
    // layouts needs no activation reorders. Weights are left to oneDNN ('any'): the jit backward-data
    // kernels want a transposed blocking (e.g. OIhw16o16i vs forward OIhw16i16o); forcing the forward
    // weights layout there silently selects the reference implementation (~1000x slower).
    // `weightsLayout: 'forward'` forces diff_weights into the forward weights layout (for an in-place
    // element-wise optimizer on blocked weights); default 'any'.
    algorithm balgo = algo == algorithm::convolution_auto ? algorithm::convolution_direct : algo;
    if (std::string(op->fwd_pd.impl_info_str()).find("wino") != std::string::npos)
      balgo = algorithm::convolution_winograd;
    memory::desc w_any(op->wei_d, dt::f32, lay.req == LayoutReq::Plain ? plain_tag(op->wei_d.size()) : tag::any);
    memory::desc dw_md = wlay == "forward" ? op->fwd_pd.weights_desc() : w_any;
    // oneDNN 2.6 falls back to its reference kernels (`ref:any`, 10-1000x slower) for shapes its JIT
    // kernels reject in the forward's blocked layouts: backward-weights of a first layer with 1 or 3
    // plain input channels on AVX2, of 3x3 convs on 1x1 maps, of depthwise convs on 2x2 maps. Then the
    // backward primitive is created on other activation layouts (plain NCHW: the im2col + JIT GEMM
    // kernel; NHWC) and the first that is not `ref` is kept; bind_in/bind_out reorder the blocked
    // tensors through scratch buffers, which costs far less than the reference kernel.
    auto is_ref = [](const char *impl) { return std::string(impl).find("ref") != std::string::npos; };
    std::vector<memory::desc> src_alts{op->fwd_pd.src_desc()}, dst_alts{op->fwd_pd.dst_desc()};
    if (lay.req != LayoutReq::Plain) {
      src_alts.push_back(op->src_p);
      dst_alts.push_back(op->dst_p);
      src_alts.push_back(memory::desc(op->src_d, dt::f32, tag::nhwc));
      dst_alts.push_back(memory::desc(op->dst_d, dt::f32, tag::nhwc));
    }
    for (size_t i = 0; i < src_alts.size(); i++) {
      memory::desc wa = i == 0 ? w_any : memory::desc(op->wei_d, dt::f32, tag::any);
      convolution_backward_data::desc bdd(balgo, src_alts[i], wa, dst_alts[i], strides, dil, pl, pr);
      op->bd_pd = convolution_backward_data::primitive_desc(bdd, eng(), op->fwd_pd);
      if (!is_ref(op->bd_pd.impl_info_str())) break;
    }
    op->bd = convolution_backward_data(op->bd_pd);
    for (size_t i = 0; i < src_alts.size(); i++) {
      memory::desc dw = i == 0 ? dw_md : memory::desc(op->wei_d, dt::f32, tag::any);
      convolution_backward_weights::desc bwd(balgo, src_alts[i], dw, bias_a, dst_alts[i], strides, dil, pl, pr);
      op->bw_pd = convolution_backward_weights::primitive_desc(bwd, eng(), op->fwd_pd);
      if (!is_ref(op->bw_pd.impl_info_str())) break;
    }
    op->bw = convolution_backward_weights(op->bw_pd);
  }
  return wrap_op(env, op.release());
}

// convForward(h, x, w, b|null, y)
void conv_forward(napi_env env, ConvOp *op, napi_value *a) {
  auto &sc = op->sc;
  auto x = bind_in(get_tensor(env, a[1], "x"), op->fwd_pd.src_desc(), op->src_p, sc, 1, "x");
  auto w = bind_in(get_tensor(env, a[2], "w"), op->fwd_pd.weights_desc(), op->wei_p, sc, 2, "w");
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}};
  if (op->bias) {
    if (is_nullish(env, a[3])) throw JsError("conv: bias expected");
    args[DNNL_ARG_BIAS] = bind_in(get_tensor(env, a[3], "b"), op->bias_p, op->bias_p, sc, 3, "b");
  }
  auto y = bind_out(get_tensor(env, a[4], "y"), op->fwd_pd.dst_desc(), op->dst_p, sc, 4, "y");
  args[DNNL_ARG_DST] = y.prim;
  run(op->fwd, args);
  finish(y);
}

// convBackwardData(h, dy, w, dx)
void conv_backward_data(napi_env env, ConvOp *op, napi_value *a) {
  if (!op->training) throw JsError("conv created with training=false");
  auto &sc = op->sc;
  auto dy = bind_in(get_tensor(env, a[1], "dy"), op->bd_pd.diff_dst_desc(), op->dst_p, sc, 11, "dy");
  auto w = bind_in(get_tensor(env, a[2], "w"), op->bd_pd.weights_desc(), op->wei_p, sc, 12, "w");
  auto dx = bind_out(get_tensor(env, a[3], "dx"), op->bd_pd.diff_src_desc(), op->src_p, sc, 13, "dx");
  run(op->bd, {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, dx.prim}});
  finish(dx);
}

// convBackwardWeights(h, x, dy, dw, db|null)
void conv_backward_weights(napi_env env, ConvOp *op, napi_value *a) {
  if (!op->training) throw JsError("conv created with training=false");
  auto &sc = op->sc;
  auto x = bind_in(get_tensor(env, a[1], "x"), op->bw_pd.src_desc(), op->src_p, sc, 21, "x");
  auto dy = bind_in(get_tensor(env, a[2], "dy"), op->bw_pd.diff_dst_desc(), op->dst_p, sc, 22, "dy");
  auto dw = bind_out(get_tensor(env, a[3], "dw"), op->bw_pd.diff_weights_desc(), op->wei_p, sc, 23, "dw");
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_WEIGHTS, dw.prim}};
  OutBind db;
  if (op->bias) {
    if (is_nullish(env, a[4])) throw JsError("conv: db expected");
    db = bind_out(get_tensor(env, a[4], "db"), op->bias_p, op->bias_p, sc, 24, "db");
    args[DNNL_ARG_DIFF_BIAS] = db.prim;
  }
  run(op->bw, args);
  finish(dw);
  if (op->bias) finish(db);
}

// ---- batch normalization (training) ------------------------------------------------------------

struct BnOp : Op {
  memory::desc data, plain, stat;
  bool relu = false;
  batch_normalization_forward::primitive_desc fwd_pd;
  batch_normalization_backward::primitive_desc bwd_pd;
  primitive fwd, bwd;
  memory::desc query(const std::string &w) override {
    if (w == "src" || w == "dst" || w == "diff_src" || w == "diff_dst") return data;
    if (w == "workspace") return fwd_pd.workspace_desc();
    if (w == "scale" || w == "shift" || w == "mean" || w == "variance") return stat;
    throw JsError("bn: unknown layout " + w);
  }
  std::string impl(const std::string &w) override {
    return w == "bwd" ? bwd_pd.impl_info_str() : fwd_pd.impl_info_str();
  }
};

napi_value bn_create(napi_env env, napi_value o) {
  auto op = std::make_unique<BnOp>();
  op->kind = "bn";
  dims_t d = {opt_int(env, o, "n", 1), opt_int(env, o, "c", 1), opt_int(env, o, "h", 1), opt_int(env, o, "w", 1)};
  float eps = static_cast<float>(opt_num(env, o, "epsilon", 1e-5));
  op->relu = opt_bool(env, o, "fuseRelu", false);
  LayoutOpt lay = opt_layout(env, o, "layout", LayoutReq::Plain);
  if (lay.req == LayoutReq::Any) throw JsError("bn: layout must be plain, nhwc or a descriptor");
  op->plain = plain_md(d);
  op->data = resolve(lay, d);
  op->stat = plain_md({d[1]});
  auto flags = normalization_flags::use_scale | normalization_flags::use_shift;
  if (op->relu) flags = flags | normalization_flags::fuse_norm_relu;
  batch_normalization_forward::desc fd(prop_kind::forward_training, op->data, eps, flags);
  op->fwd_pd = batch_normalization_forward::primitive_desc(fd, eng());
  op->fwd = batch_normalization_forward(op->fwd_pd);
  batch_normalization_backward::desc bd(prop_kind::backward, op->data, op->data, eps, flags);
  op->bwd_pd = batch_normalization_backward::primitive_desc(bd, eng(), op->fwd_pd);
  op->bwd = batch_normalization_backward(op->bwd_pd);
  return wrap_op(env, op.release());
}

memory stat_mem(napi_env env, BnOp *op, napi_value v, const char *what) {
  TensorArg t = get_tensor(env, v, what);
  if (t.bytes < op->stat.get_size()) throw JsError(std::string(what) + ": buffer too small");
  return memory(op->stat, eng(), t.ptr);
}

// bnForward(h, x, scale, shift, y, mean, variance, workspace?) -> mean/variance are outputs (batch stats,
// variance biased i.e. divided by N*H*W)
void bn_forward(napi_env env, BnOp *op, napi_value *a) {
  auto &sc = op->sc;
  auto x = bind_in(get_tensor(env, a[1], "x"), op->data, op->plain, sc, 1, "x");
  auto y = bind_out(get_tensor(env, a[4], "y"), op->data, op->plain, sc, 2, "y");
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, x},
                                       {DNNL_ARG_SCALE, stat_mem(env, op, a[2], "scale")},
                                       {DNNL_ARG_SHIFT, stat_mem(env, op, a[3], "shift")},
                                       {DNNL_ARG_DST, y.prim},
                                       {DNNL_ARG_MEAN, stat_mem(env, op, a[5], "mean")},
                                       {DNNL_ARG_VARIANCE, stat_mem(env, op, a[6], "variance")}};
  if (op->relu) {
    if (is_nullish(env, a[7])) throw JsError("bn(fuseRelu): workspace required");
    TensorArg ws = get_tensor(env, a[7], "workspace");
    if (ws.bytes < op->fwd_pd.workspace_desc().get_size()) throw JsError("workspace too small");
    args[DNNL_ARG_WORKSPACE] = memory(op->fwd_pd.workspace_desc(), eng(), ws.ptr);
  }
  run(op->fwd, args);
  finish(y);
}

// bnBackward(h, dy, x, scale, shift, mean, variance, dx, dscale, dshift, workspace?)
// (oneDNN 2.6 requires the shift tensor as an input of the backward pass when use_shift is set.)
void bn_backward(napi_env env, BnOp *op, napi_value *a) {
  auto &sc = op->sc;
  auto dy = bind_in(get_tensor(env, a[1], "dy"), op->data, op->plain, sc, 11, "dy");
  auto x = bind_in(get_tensor(env, a[2], "x"), op->data, op->plain, sc, 12, "x");
  auto dx = bind_out(get_tensor(env, a[7], "dx"), op->data, op->plain, sc, 13, "dx");
  std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, dy},
                                       {DNNL_ARG_SRC, x},
                                       {DNNL_ARG_SCALE, stat_mem(env, op, a[3], "scale")},
                                       {DNNL_ARG_SHIFT, stat_mem(env, op, a[4], "shift")},
                                       {DNNL_ARG_MEAN, stat_mem(env, op, a[5], "mean")},
                                       {DNNL_ARG_VARIANCE, stat_mem(env, op, a[6], "variance")},
                                       {DNNL_ARG_DIFF_SRC, dx.prim},
                                       {DNNL_ARG_DIFF_SCALE, stat_mem(env, op, a[8], "dscale")},
                                       {DNNL_ARG_DIFF_SHIFT, stat_mem(env, op, a[9], "dshift")}};
  if (op->relu) {
    if (is_nullish(env, a[10])) throw JsError("bn(fuseRelu): workspace required");
    TensorArg ws = get_tensor(env, a[10], "workspace");
    if (ws.bytes < op->fwd_pd.workspace_desc().get_size()) throw JsError("workspace too small");
    args[DNNL_ARG_WORKSPACE] = memory(op->fwd_pd.workspace_desc(), eng(), ws.ptr);
  }
  run(op->bwd, args);
  finish(dx);
}

// ---- eltwise (relu) ----------------------------------------------------------------------------

struct EltOp : Op {
  memory::desc data, plain;
  bool use_dst = false;
  eltwise_forward::primitive_desc fwd_pd;
  eltwise_backward::primitive_desc bwd_pd;
  primitive fwd, bwd;
  memory::desc query(const std::string &) override { return data; }
  std::string impl(const std::string &w) override {
    return w == "bwd" ? bwd_pd.impl_info_str() : fwd_pd.impl_info_str();
  }
};

napi_value relu_create(napi_env env, napi_value o) {
  auto op = std::make_unique<EltOp>();
  op->kind = "relu";
  dims_t d = opt_dims(env, o, "dims", {});
  if (d.empty()) throw JsError("relu: dims required");
  LayoutOpt lay = opt_layout(env, o, "layout", LayoutReq::Plain);
  if (lay.req == LayoutReq::Any) throw JsError("relu: layout must be plain, nhwc or a descriptor");
  op->plain = plain_md(d);
  op->data = resolve(lay, d);
  // 'relu' (alpha = leaky slope) or 'clip' (alpha = lower, beta = upper bound; ReLU6, Clip):
  // the clip gradient passes for alpha < x <= beta.
  // Also 'clip_v2' (gradient where alpha < x < beta), 'hardswish', 'logistic' (sigmoid) and 'linear'
  // (alpha·x + beta).
  std::string alg_s = opt_str(env, o, "algorithm", "relu");
  // useDst (relu, logistic, clip_v2): the backward reads y instead of x, so y may overwrite x
  // (in-place forward: one activation buffer fewer when x has no other reader).
  op->use_dst = opt_bool(env, o, "useDst", false);
  struct Alg {
    const char *name;
    algorithm alg, dst_alg;
  };
  const Alg algs[] = {
      {"relu", algorithm::eltwise_relu, algorithm::eltwise_relu_use_dst_for_bwd},
      {"clip", algorithm::eltwise_clip, algorithm::undef},
      {"clip_v2", algorithm::eltwise_clip_v2, algorithm::eltwise_clip_v2_use_dst_for_bwd},
      {"hardswish", algorithm::eltwise_hardswish, algorithm::undef},
      {"logistic", algorithm::eltwise_logistic, algorithm::eltwise_logistic_use_dst_for_bwd},
      {"linear", algorithm::eltwise_linear, algorithm::undef},
  };
  algorithm alg = algorithm::undef;
  for (const auto &a : algs)
    if (alg_s == a.name) alg = op->use_dst ? a.dst_alg : a.alg;
  if (alg == algorithm::undef)
    throw JsError("relu: algorithm " + alg_s + (op->use_dst ? " with useDst" : "") + " is not supported");
  float alpha = static_cast<float>(opt_num(env, o, "alpha", 0.0));
  float beta = static_cast<float>(opt_num(env, o, "beta", 0.0));
  auto create = [&] {
    eltwise_forward::desc fd(prop_kind::forward_training, alg, op->data, alpha, beta);
    op->fwd_pd = eltwise_forward::primitive_desc(fd, eng());
    eltwise_backward::desc bd(alg, op->data, op->data, alpha, beta);
    op->bwd_pd = eltwise_backward::primitive_desc(bd, eng(), op->fwd_pd);
  };
  create();
  // On a blocked layout padded in channels (24 channels in 16-blocks), oneDNN's JIT kernels take only
  // the functions (and derivatives) that keep 0 at 0 (the padding must stay zero): sigmoid, the linear
  // step of HardSigmoid, HardSwish's backward get the reference kernel there. Then the op runs on NHWC
  // and bind_in/bind_out reorder through scratch buffers: far cheaper than the reference kernel.
  auto is_ref = [](const char *impl) { return std::string(impl).find("ref") != std::string::npos; };
  if ((is_ref(op->fwd_pd.impl_info_str()) || is_ref(op->bwd_pd.impl_info_str())) && d.size() == 4 &&
      op->data != op->plain) {
    op->data = memory::desc(d, dt::f32, tag::nhwc);
    create();
  }
  op->fwd = eltwise_forward(op->fwd_pd);
  op->bwd = eltwise_backward(op->bwd_pd);
  return wrap_op(env, op.release());
}

// reluForward(h, x, y)
void relu_forward(napi_env env, EltOp *op, napi_value *a) {
  auto x = bind_in(get_tensor(env, a[1], "x"), op->data, op->plain, op->sc, 1, "x");
  auto y = bind_out(get_tensor(env, a[2], "y"), op->data, op->plain, op->sc, 2, "y");
  run(op->fwd, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y.prim}});
  finish(y);
}

// reluBackward(h, dy, x, dx); with useDst the third argument is y
void relu_backward(napi_env env, EltOp *op, napi_value *a) {
  auto dy = bind_in(get_tensor(env, a[1], "dy"), op->data, op->plain, op->sc, 11, "dy");
  auto x = bind_in(get_tensor(env, a[2], "x"), op->data, op->plain, op->sc, 12, "x");
  auto dx = bind_out(get_tensor(env, a[3], "dx"), op->data, op->plain, op->sc, 13, "dx");
  run(op->bwd, {{DNNL_ARG_DIFF_DST, dy}, {op->use_dst ? DNNL_ARG_DST : DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_SRC, dx.prim}});
  finish(dx);
}

// ---- binary add (residual / gradient accumulation) ---------------------------------------------

struct AddOp : Op {
  memory::desc data, plain;
  binary::primitive_desc pd;
  primitive prim;
  memory::desc query(const std::string &) override { return data; }
  std::string impl(const std::string &) override { return pd.impl_info_str(); }
};

napi_value add_create(napi_env env, napi_value o) {
  auto op = std::make_unique<AddOp>();
  op->kind = "add";
  dims_t d = opt_dims(env, o, "dims", {});
  if (d.empty()) throw JsError("add: dims required");
  LayoutOpt lay = opt_layout(env, o, "layout", LayoutReq::Plain);
  if (lay.req == LayoutReq::Any) throw JsError("add: layout must be plain, nhwc or a descriptor");
  op->plain = plain_md(d);
  op->data = resolve(lay, d);
  primitive_attr attr;
  if (opt_bool(env, o, "fuseRelu", false)) {
    post_ops po;
    po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(po);
  }
  binary::desc bd(algorithm::binary_add, op->data, op->data, op->data);
  op->pd = binary::primitive_desc(bd, attr, eng());
  op->prim = binary(op->pd);
  return wrap_op(env, op.release());
}

// add(h, a, b, y)
void add_run(napi_env env, AddOp *op, napi_value *a) {
  auto x0 = bind_in(get_tensor(env, a[1], "a"), op->data, op->plain, op->sc, 1, "a");
  auto x1 = bind_in(get_tensor(env, a[2], "b"), op->data, op->plain, op->sc, 2, "b");
  auto y = bind_out(get_tensor(env, a[3], "y"), op->data, op->plain, op->sc, 3, "y");
  run(op->prim, {{DNNL_ARG_SRC_0, x0}, {DNNL_ARG_SRC_1, x1}, {DNNL_ARG_DST, y.prim}});
  finish(y);
}

// ---- pooling -----------------------------------------------------------------------------------

struct PoolOp : Op {
  memory::desc src, dst, src_p, dst_p;
  pooling_forward::primitive_desc fwd_pd;
  pooling_backward::primitive_desc bwd_pd;
  primitive fwd, bwd;
  bool max = true;
  memory::desc query(const std::string &w) override {
    if (w == "src" || w == "diff_src") return src;
    if (w == "dst" || w == "diff_dst") return dst;
    if (w == "workspace") return fwd_pd.workspace_desc();
    throw JsError("pool: unknown layout " + w);
  }
  std::string impl(const std::string &w) override {
    return w == "bwd" ? bwd_pd.impl_info_str() : fwd_pd.impl_info_str();
  }
};

napi_value pool_create(napi_env env, napi_value o) {
  auto op = std::make_unique<PoolOp>();
  op->kind = "pool";
  int64_t n = opt_int(env, o, "n", 1), c = opt_int(env, o, "c", 1), h = opt_int(env, o, "h", 1),
          w = opt_int(env, o, "w", 1);
  dims_t k = opt_dims(env, o, "kernel", {2, 2});
  dims_t s = opt_dims(env, o, "strides", k);
  dims_t p = opt_dims(env, o, "pads", {0, 0, 0, 0});
  std::string kind = opt_str(env, o, "mode", "max");  // max | avg (exclude pad) | avg_include_pad
  algorithm alg = kind == "max"   ? algorithm::pooling_max
                  : kind == "avg" ? algorithm::pooling_avg_exclude_padding
                  : kind == "avg_include_pad" ? algorithm::pooling_avg_include_padding
                                              : throw JsError("pool: mode max|avg|avg_include_pad");
  op->max = kind == "max";
  int64_t oh = (h + p[0] + p[2] - k[0]) / s[0] + 1, ow = (w + p[1] + p[3] - k[1]) / s[1] + 1;
  dims_t sd = {n, c, h, w}, dd = {n, c, oh, ow};
  LayoutOpt lay = opt_layout(env, o, "layout", LayoutReq::Plain);
  if (lay.req == LayoutReq::Any) throw JsError("pool: layout must be plain, nhwc or a descriptor");
  op->src_p = plain_md(sd);
  op->dst_p = plain_md(dd);
  op->src = resolve(lay, sd);
  pooling_forward::desc fd(prop_kind::forward_training, alg, op->src, memory::desc(dd, dt::f32, tag::any),
                           {s[0], s[1]}, {k[0], k[1]}, {p[0], p[1]}, {p[2], p[3]});
  op->fwd_pd = pooling_forward::primitive_desc(fd, eng());
  op->dst = op->fwd_pd.dst_desc();
  op->fwd = pooling_forward(op->fwd_pd);
  pooling_backward::desc bd(alg, op->src, op->dst, {s[0], s[1]}, {k[0], k[1]}, {p[0], p[1]}, {p[2], p[3]});
  op->bwd_pd = pooling_backward::primitive_desc(bd, eng(), op->fwd_pd);
  op->bwd = pooling_backward(op->bwd_pd);
  return wrap_op(env, op.release());
}

// poolForward(h, x, y, workspace?)  (workspace required for max)
void pool_forward(napi_env env, PoolOp *op, napi_value *a) {
  auto x = bind_in(get_tensor(env, a[1], "x"), op->src, op->src_p, op->sc, 1, "x");
  auto y = bind_out(get_tensor(env, a[2], "y"), op->dst, op->dst_p, op->sc, 2, "y");
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y.prim}};
  if (op->max) {
    if (is_nullish(env, a[3])) throw JsError("maxpool: workspace required");
    TensorArg ws = get_tensor(env, a[3], "workspace");
    if (ws.bytes < op->fwd_pd.workspace_desc().get_size()) throw JsError("workspace too small");
    args[DNNL_ARG_WORKSPACE] = memory(op->fwd_pd.workspace_desc(), eng(), ws.ptr);
  }
  run(op->fwd, args);
  finish(y);
}

// poolBackward(h, dy, dx, workspace?)
void pool_backward(napi_env env, PoolOp *op, napi_value *a) {
  auto dy = bind_in(get_tensor(env, a[1], "dy"), op->dst, op->dst_p, op->sc, 11, "dy");
  auto dx = bind_out(get_tensor(env, a[2], "dx"), op->src, op->src_p, op->sc, 12, "dx");
  std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx.prim}};
  if (op->max) {
    if (is_nullish(env, a[3])) throw JsError("maxpool: workspace required");
    TensorArg ws = get_tensor(env, a[3], "workspace");
    args[DNNL_ARG_WORKSPACE] = memory(op->fwd_pd.workspace_desc(), eng(), ws.ptr);
  }
  run(op->bwd, args);
  finish(dx);
}

#include "ops-more.inc"

// ---------------------------------------------------------------------------------------------
// JS entry points

template <size_t N>
void get_args(napi_env env, napi_callback_info info, napi_value (&a)[N], size_t min) {
  size_t argc = N;
  NAPI_CHECK(napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
  if (argc < min) throw JsError("too few arguments");
  for (size_t i = argc; i < N; i++) a[i] = js_undefined(env);
}

template <typename F>
napi_value guard(napi_env env, F &&f) {
  try {
    return f();
  } catch (const dnnl::error &e) {
    napi_throw_error(env, "PARE_DNNL", (std::string("oneDNN: ") + e.what() + " (status " +
                                        std::to_string((int)e.status) + ")").c_str());
  } catch (const std::exception &e) {
    napi_throw_error(env, "PARE_DNNL", e.what());
  }
  return nullptr;
}

#define ENTRY(name) napi_value name(napi_env env, napi_callback_info info)

std::string runtime_name(unsigned r) {
  return r == DNNL_RUNTIME_OMP ? "omp" : r == DNNL_RUNTIME_TBB ? "tbb" : r == DNNL_RUNTIME_SEQ ? "seq" : "other";
}

ENTRY(js_version) {
  return guard(env, [&] {
    auto v = dnnl::version();
    return make_str(env, std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                             std::to_string(v->patch) + " (" + runtime_name(v->cpu_runtime) + ")");
  });
}

ENTRY(js_set_threads) {
  return guard(env, [&] {
    napi_value a[1];
    get_args(env, info, a, 1);
    omp_set_num_threads(static_cast<int>(get_num(env, a[0])));
    return js_undefined(env);
  });
}

ENTRY(js_get_threads) {
  return guard(env, [&] { return make_num(env, omp_get_max_threads()); });
}

ENTRY(js_stats) {
  return guard(env, [&] {
    napi_value o;
    NAPI_CHECK(napi_create_object(env, &o));
    set(env, o, "reorders", make_num(env, g_stats.reorders));
    set(env, o, "reorderMs", make_num(env, g_stats.reorder_ms));
    set(env, o, "execs", make_num(env, g_stats.execs));
    set(env, o, "execMs", make_num(env, g_stats.exec_ms));
    return o;
  });
}

ENTRY(js_reset_stats) {
  return guard(env, [&] {
    g_stats = Stats{};
    return js_undefined(env);
  });
}

// alloc(layoutOrDesc) -> { data: Float32Array (64-byte aligned, zeroed), dims, desc, format }
ENTRY(js_alloc) {
  return guard(env, [&] {
    napi_value a[1];
    get_args(env, info, a, 1);
    napi_value dv = a[0];
    napi_valuetype t;
    NAPI_CHECK(napi_typeof(env, dv, &t));
    const memory::desc *md = nullptr;
    if (t == napi_object) {
      bool is_arr;
      NAPI_CHECK(napi_is_array(env, dv, &is_arr));
      if (is_arr) {
        static thread_local memory::desc tmp;
        tmp = plain_md(get_dims(env, dv));
        md = &tmp;
      } else {
        md = get_desc(env, get_prop(env, dv, "desc"));
      }
    } else {
      md = get_desc(env, dv);
    }
    if (!md) throw JsError("alloc: expected layout, desc or dims array");
    size_t bytes = md->get_size();
    size_t cap = (bytes + 63) / 64 * 64;
    if (cap == 0) cap = 64;
    void *p = std::aligned_alloc(64, cap);
    if (!p) throw JsError("alloc: out of memory");
    std::memset(p, 0, cap);
    napi_value ab, f32;
    NAPI_CHECK(napi_create_external_arraybuffer(
        env, p, cap, [](napi_env, void *d, void *) { std::free(d); }, nullptr, &ab));
    NAPI_CHECK(napi_create_typedarray(env, napi_float32_array, bytes / sizeof(float), ab, 0, &f32));
    napi_value o = make_layout(env, *md);
    set(env, o, "data", f32);
    return o;
  });
}

// plainLayout(dims) -> layout object for a plain contiguous tensor
ENTRY(js_plain_layout) {
  return guard(env, [&] {
    napi_value a[1];
    get_args(env, info, a, 1);
    return make_layout(env, plain_md(get_dims(env, a[0])));
  });
}

// reorder(src, dst): src/dst are {data, dims|desc}
ENTRY(js_reorder) {
  return guard(env, [&] {
    napi_value a[2];
    get_args(env, info, a, 2);
    TensorArg s = get_tensor(env, a[0], "src"), d = get_tensor(env, a[1], "dst");
    if (!s.has_md || !d.has_md) throw JsError("reorder: tensors need dims or desc");
    if (s.md.dims() != d.md.dims()) throw JsError("reorder: dims mismatch");
    if (s.bytes < s.md.get_size() || d.bytes < d.md.get_size()) throw JsError("reorder: buffer too small");
    memory sm(s.md, eng(), s.ptr), dm(d.md, eng(), d.ptr);
    do_reorder(sm, dm);
    return js_undefined(env);
  });
}

ENTRY(js_layout) {
  return guard(env, [&] {
    napi_value a[2];
    get_args(env, info, a, 2);
    Op *op = get_op(env, a[0], nullptr);
    char buf[32];
    size_t len;
    NAPI_CHECK(napi_get_value_string_utf8(env, a[1], buf, sizeof buf, &len));
    return make_layout(env, op->query(std::string(buf, len)));
  });
}

ENTRY(js_impl) {
  return guard(env, [&] {
    napi_value a[2];
    get_args(env, info, a, 2);
    Op *op = get_op(env, a[0], nullptr);
    char buf[32];
    size_t len;
    NAPI_CHECK(napi_get_value_string_utf8(env, a[1], buf, sizeof buf, &len));
    return make_str(env, op->impl(std::string(buf, len)));
  });
}

#define CREATE_ENTRY(js, fn)                                             \
  ENTRY(js) {                                                            \
    return guard(env, [&] {                                              \
      napi_value a[1];                                                   \
      get_args(env, info, a, 1);                                         \
      int nthr = static_cast<int>(opt_int(env, a[0], "threads", 0));     \
      ThreadScope ts(nthr);                                              \
      napi_value h = fn(env, a[0]);                                      \
      void *p;                                                           \
      NAPI_CHECK(napi_get_value_external(env, h, &p));                   \
      static_cast<Op *>(p)->threads = nthr;                              \
      return h;                                                          \
    });                                                                  \
  }
CREATE_ENTRY(js_conv_create, conv_create)
CREATE_ENTRY(js_bn_create, bn_create)
CREATE_ENTRY(js_relu_create, relu_create)
CREATE_ENTRY(js_add_create, add_create)
CREATE_ENTRY(js_pool_create, pool_create)
CREATE_ENTRY(js_binary_create, binary_create)
CREATE_ENTRY(js_concat_create, concat_create)
CREATE_ENTRY(js_resample_create, resample_create)
CREATE_ENTRY(js_deconv_create, deconv_create)

#define EXEC_ENTRY(js, T, kind, nargs, minargs, fn)        \
  ENTRY(js) {                                               \
    return guard(env, [&] {                                 \
      napi_value a[nargs];                                  \
      get_args(env, info, a, minargs);                      \
      T *op_ = static_cast<T *>(get_op(env, a[0], kind));   \
      ThreadScope ts_(op_->threads);                          \
      fn(env, op_, a);                                        \
      return js_undefined(env);                             \
    });                                                     \
  }
EXEC_ENTRY(js_conv_forward, ConvOp, "conv", 5, 5, conv_forward)
EXEC_ENTRY(js_conv_backward_data, ConvOp, "conv", 4, 4, conv_backward_data)
EXEC_ENTRY(js_conv_backward_weights, ConvOp, "conv", 5, 4, conv_backward_weights)
EXEC_ENTRY(js_bn_forward, BnOp, "bn", 8, 7, bn_forward)
EXEC_ENTRY(js_bn_backward, BnOp, "bn", 11, 10, bn_backward)
EXEC_ENTRY(js_relu_forward, EltOp, "relu", 3, 3, relu_forward)
EXEC_ENTRY(js_relu_backward, EltOp, "relu", 4, 4, relu_backward)
EXEC_ENTRY(js_add, AddOp, "add", 4, 4, add_run)
EXEC_ENTRY(js_pool_forward, PoolOp, "pool", 4, 3, pool_forward)
EXEC_ENTRY(js_pool_backward, PoolOp, "pool", 4, 3, pool_backward)
EXEC_ENTRY(js_binary, BinOp, "binary", 4, 4, binary_run)
EXEC_ENTRY(js_concat, ConcatOp, "concat", 3, 3, concat_run)
EXEC_ENTRY(js_concat_backward, ConcatOp, "concat", 3, 3, concat_backward)
EXEC_ENTRY(js_resample_forward, ResampleOp, "resample", 3, 3, resample_forward)
EXEC_ENTRY(js_resample_backward, ResampleOp, "resample", 3, 3, resample_backward)
EXEC_ENTRY(js_deconv_forward, DeconvOp, "deconv", 5, 5, deconv_forward)
EXEC_ENTRY(js_deconv_backward_data, DeconvOp, "deconv", 4, 4, deconv_backward_data)
EXEC_ENTRY(js_deconv_backward_weights, DeconvOp, "deconv", 5, 4, deconv_backward_weights)

}  // namespace

NAPI_MODULE_INIT() {
  struct {
    const char *name;
    napi_callback cb;
  } fns[] = {
      {"version", js_version},
      {"setNumThreads", js_set_threads},
      {"getNumThreads", js_get_threads},
      {"stats", js_stats},
      {"resetStats", js_reset_stats},
      {"alloc", js_alloc},
      {"plainLayout", js_plain_layout},
      {"reorder", js_reorder},
      {"layout", js_layout},
      {"impl", js_impl},
      {"convCreate", js_conv_create},
      {"convForward", js_conv_forward},
      {"convBackwardData", js_conv_backward_data},
      {"convBackwardWeights", js_conv_backward_weights},
      {"bnCreate", js_bn_create},
      {"bnForward", js_bn_forward},
      {"bnBackward", js_bn_backward},
      {"reluCreate", js_relu_create},
      {"reluForward", js_relu_forward},
      {"reluBackward", js_relu_backward},
      {"addCreate", js_add_create},
      {"add", js_add},
      {"poolCreate", js_pool_create},
      {"poolForward", js_pool_forward},
      {"poolBackward", js_pool_backward},
      {"binaryCreate", js_binary_create},
      {"binary", js_binary},
      {"concatCreate", js_concat_create},
      {"concat", js_concat},
      {"concatBackward", js_concat_backward},
      {"resampleCreate", js_resample_create},
      {"resampleForward", js_resample_forward},
      {"resampleBackward", js_resample_backward},
      {"deconvCreate", js_deconv_create},
      {"deconvForward", js_deconv_forward},
      {"deconvBackwardData", js_deconv_backward_data},
      {"deconvBackwardWeights", js_deconv_backward_weights},
  };
  for (auto &f : fns) {
    napi_value fn;
    if (napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn) != napi_ok) return nullptr;
    if (napi_set_named_property(env, exports, f.name, fn) != napi_ok) return nullptr;
  }
  return exports;
}
