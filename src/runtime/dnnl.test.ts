// Correctness of the oneDNN addon against naive JS references on tiny shapes (max abs diff <= 1e-4).
// Skipped, with the reason, when the addon is not built (npm run build:dnnl).

import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { type DnnlAddon, dnnlUnavailable, loadDnnl } from './dnnl.js';

const dnnl = loadDnnl(2);
const TOL = 1e-4;

let seed = 12345;
function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    a[i] = (seed / 2 ** 32) * 2 - 1;
  }
  return a;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'length');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
function close(got: Float32Array, want: Float32Array, what: string): void {
  const d = maxDiff(got, want);
  assert.ok(d <= TOL, `${what}: max abs diff ${d}`);
}

interface ConvP {
  n: number;
  c: number;
  h: number;
  w: number;
  oc: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pads: [number, number, number, number];
  dh: number;
  dw: number;
  g: number;
}
function outHW(p: ConvP): [number, number] {
  const oh = Math.floor((p.h + p.pads[0] + p.pads[2] - ((p.kh - 1) * p.dh + 1)) / p.sh) + 1;
  const ow = Math.floor((p.w + p.pads[1] + p.pads[3] - ((p.kw - 1) * p.dw + 1)) / p.sw) + 1;
  return [oh, ow];
}

/** Visit every (n, oc, oh, ow, ic(global), kh, kw, ih, iw) term of a grouped convolution. */
function convTerms(p: ConvP, f: (yi: number, xi: number, wi: number, oc: number) => void): void {
  const [oh, ow] = outHW(p);
  const icg = p.c / p.g;
  const ocg = p.oc / p.g;
  for (let n = 0; n < p.n; n++)
    for (let o = 0; o < p.oc; o++) {
      const g = Math.floor(o / ocg);
      for (let y = 0; y < oh; y++)
        for (let x = 0; x < ow; x++) {
          const yi = ((n * p.oc + o) * oh + y) * ow + x;
          for (let i = 0; i < icg; i++)
            for (let ky = 0; ky < p.kh; ky++) {
              const iy = y * p.sh - p.pads[0] + ky * p.dh;
              if (iy < 0 || iy >= p.h) continue;
              for (let kx = 0; kx < p.kw; kx++) {
                const ix = x * p.sw - p.pads[1] + kx * p.dw;
                if (ix < 0 || ix >= p.w) continue;
                const xi = ((n * p.c + g * icg + i) * p.h + iy) * p.w + ix;
                const wi = ((o * icg + i) * p.kh + ky) * p.kw + kx;
                f(yi, xi, wi, o);
              }
            }
        }
    }
}

function checkConv(d: DnnlAddon, p: ConvP, layout: 'any' | 'plain'): void {
  const [oh, ow] = outHW(p);
  const xs = p.n * p.c * p.h * p.w;
  const ys = p.n * p.oc * oh * ow;
  const ws = p.oc * (p.c / p.g) * p.kh * p.kw;
  const x = rand(xs);
  const w = rand(ws);
  const b = rand(p.oc);
  const dy = rand(ys);
  const yRef = new Float32Array(ys);
  const dxRef = new Float32Array(xs);
  const dwRef = new Float32Array(ws);
  const dbRef = new Float32Array(p.oc);
  convTerms(p, (yi, xi, wi) => {
    yRef[yi]! += x[xi]! * w[wi]!;
    dxRef[xi]! += dy[yi]! * w[wi]!;
    dwRef[wi]! += dy[yi]! * x[xi]!;
  });
  const ohw = oh * ow;
  for (let i = 0; i < ys; i++) {
    const o = Math.floor(i / ohw) % p.oc;
    yRef[i]! += b[o]!;
    dbRef[o]! += dy[i]!;
  }
  const h = d.convCreate({
    n: p.n,
    c: p.c,
    h: p.h,
    w: p.w,
    oc: p.oc,
    kernel: [p.kh, p.kw],
    strides: [p.sh, p.sw],
    pads: p.pads,
    dilations: [p.dh, p.dw],
    group: p.g,
    bias: true,
    layout,
  });
  const y = new Float32Array(ys);
  d.convForward(h, x, w, b, y);
  close(y, yRef, 'conv fwd');
  const dx = new Float32Array(xs);
  d.convBackwardData(h, dy, w, dx);
  close(dx, dxRef, 'conv bwd data');
  const dw = new Float32Array(ws);
  const db = new Float32Array(p.oc);
  d.convBackwardWeights(h, x, dy, dw, db);
  close(dw, dwRef, 'conv bwd weights');
  close(db, dbRef, 'conv bwd bias');

  // same through tensors kept in the primitives' preferred (blocked) layouts
  const X = d.alloc(d.layout(h, 'src'));
  const W = d.alloc(d.layout(h, 'weights'));
  const WD = d.alloc(d.layout(h, 'weights_d')); // bwd-data wants its own (transposed) weight blocking
  const Y = d.alloc(d.layout(h, 'dst'));
  const DY = d.alloc(d.layout(h, 'diff_dst'));
  const DX = d.alloc(d.layout(h, 'diff_src'));
  const DW = d.alloc(d.layout(h, 'diff_weights'));
  // backward-weights may take other activation layouts than the forward (plain NCHW where oneDNN has
  // only its reference kernel for the blocked ones: small channel counts)
  const XW = d.alloc(d.layout(h, 'src_w'));
  const DYW = d.alloc(d.layout(h, 'diff_dst_w'));
  d.reorder({ data: x, dims: XW.dims }, XW);
  d.reorder({ data: dy, dims: DYW.dims }, DYW);
  d.reorder({ data: x, dims: X.dims }, X);
  d.reorder({ data: w, dims: W.dims }, W);
  d.reorder({ data: w, dims: WD.dims }, WD);
  d.reorder({ data: dy, dims: DY.dims }, DY);
  d.resetStats();
  d.convForward(h, X, W, b, Y);
  d.convBackwardData(h, DY, WD, DX);
  d.convBackwardWeights(h, XW, DYW, DW, db);
  assert.equal(d.stats().reorders, 0, 'no reorders when tensors are in preferred layouts');
  const back = (t: typeof X, n: number): Float32Array => {
    const out = new Float32Array(n);
    d.reorder(t, { data: out, dims: t.dims });
    return out;
  };
  close(back(Y, ys), yRef, 'blocked conv fwd');
  close(back(DX, xs), dxRef, 'blocked conv bwd data');
  close(back(DW, ws), dwRef, 'blocked conv bwd weights');
}

const base: ConvP = {
  n: 2,
  c: 3,
  h: 7,
  w: 6,
  oc: 4,
  kh: 3,
  kw: 3,
  sh: 1,
  sw: 1,
  pads: [1, 1, 1, 1],
  dh: 1,
  dw: 1,
  g: 1,
};

describe.skipIf(!dnnl)(`pare_dnnl${dnnl ? '' : ` (skipped: ${dnnlUnavailable()})`}`, () => {
  const d = dnnl!;

  it('reports version and threads', () => {
    assert.match(d.version(), /^2\.\d+\.\d+/);
    assert.equal(d.getNumThreads(), 2);
  });

  for (const layout of ['any', 'plain'] as const) {
    it(`conv 3x3 pad 1 (${layout})`, () => checkConv(d, base, layout));
    it(`conv 16->16 3x3 (${layout})`, () => checkConv(d, { ...base, c: 16, oc: 16, h: 6, w: 5 }, layout));
    it(`conv stride 2, asym pads (${layout})`, () =>
      checkConv(d, { ...base, c: 5, oc: 8, h: 9, w: 8, sh: 2, sw: 2, pads: [1, 0, 0, 1] }, layout));
    it(`conv dilation 2, 2x3 kernel (${layout})`, () =>
      checkConv(d, { ...base, kh: 2, kw: 3, dh: 2, dw: 2, pads: [2, 1, 2, 1] }, layout));
    it(`conv groups 2 (${layout})`, () => checkConv(d, { ...base, c: 4, oc: 6, g: 2 }, layout));
    it(`conv depthwise (${layout})`, () => checkConv(d, { ...base, c: 8, oc: 8, g: 8 }, layout));
    it(`conv 1x1 stride 2 (${layout})`, () =>
      checkConv(d, { ...base, c: 16, oc: 32, kh: 1, kw: 1, sh: 2, sw: 2, pads: [0, 0, 0, 0] }, layout));
  }

  for (const fuseRelu of [false, true]) {
    it(`batchnorm training fwd/bwd${fuseRelu ? ' + fused relu' : ''}`, () => {
      const [n, c, h, w] = [3, 5, 4, 3];
      const hw = h * w;
      const m = n * hw;
      const x = rand(n * c * hw);
      const dy = rand(x.length);
      const gamma = rand(c);
      const beta = rand(c);
      const eps = 1e-5;
      const mean = new Float32Array(c);
      const vari = new Float32Array(c);
      const yRef = new Float32Array(x.length);
      const dxRef = new Float32Array(x.length);
      const dgRef = new Float32Array(c);
      const dbRef = new Float32Array(c);
      const idx = (i: number, ch: number, s: number): number => (i * c + ch) * hw + s;
      for (let ch = 0; ch < c; ch++) {
        let mu = 0;
        for (let i = 0; i < n; i++) for (let s = 0; s < hw; s++) mu += x[idx(i, ch, s)]!;
        mu /= m;
        let v = 0;
        for (let i = 0; i < n; i++) for (let s = 0; s < hw; s++) v += (x[idx(i, ch, s)]! - mu) ** 2;
        v /= m;
        mean[ch] = mu;
        vari[ch] = v;
        const inv = 1 / Math.sqrt(v + eps);
        const g = new Float32Array(m); // dL/dz where z = BN output before relu
        let dg = 0;
        let db = 0;
        let k = 0;
        for (let i = 0; i < n; i++)
          for (let s = 0; s < hw; s++, k++) {
            const xh = (x[idx(i, ch, s)]! - mu) * inv;
            const z = gamma[ch]! * xh + beta[ch]!;
            yRef[idx(i, ch, s)] = fuseRelu ? Math.max(z, 0) : z;
            g[k] = fuseRelu && z <= 0 ? 0 : dy[idx(i, ch, s)]!;
            dg += g[k]! * xh;
            db += g[k]!;
          }
        dgRef[ch] = dg;
        dbRef[ch] = db;
        k = 0;
        for (let i = 0; i < n; i++)
          for (let s = 0; s < hw; s++, k++) {
            const xh = (x[idx(i, ch, s)]! - mu) * inv;
            dxRef[idx(i, ch, s)] = gamma[ch]! * inv * (g[k]! - db / m - (xh * dg) / m);
          }
      }
      for (const layout of ['plain', 'blocked'] as const) {
        const plainH = d.bnCreate({ n, c, h, w, epsilon: eps, fuseRelu });
        let hnd = plainH;
        if (layout === 'blocked') {
          // a conv's preferred dst layout (nChw16c / nChw8c) as BN data layout
          const cv = d.convCreate({ n, c, h, w, oc: c, pads: [1, 1, 1, 1] });
          hnd = d.bnCreate({ n, c, h, w, epsilon: eps, fuseRelu, layout: d.layout(cv, 'dst') });
        }
        const ws = fuseRelu ? d.alloc(d.layout(hnd, 'workspace')) : null;
        const y = new Float32Array(x.length);
        const mo = new Float32Array(c);
        const vo = new Float32Array(c);
        d.bnForward(hnd, x, gamma, beta, y, mo, vo, ws);
        close(y, yRef, `bn fwd ${layout}`);
        close(mo, mean, 'bn mean');
        close(vo, vari, 'bn variance');
        const dx = new Float32Array(x.length);
        const dg = new Float32Array(c);
        const db = new Float32Array(c);
        d.bnBackward(hnd, dy, x, gamma, beta, mo, vo, dx, dg, db, ws);
        close(dx, dxRef, `bn bwd dx ${layout}`);
        close(dg, dgRef, 'bn dgamma');
        close(db, dbRef, 'bn dbeta');
      }
    });
  }

  it('relu fwd/bwd', () => {
    const dims = [2, 3, 4, 5];
    const x = rand(120);
    const dy = rand(120);
    const h = d.reluCreate({ dims });
    const y = new Float32Array(120);
    const dx = new Float32Array(120);
    d.reluForward(h, x, y);
    d.reluBackward(h, dy, x, dx);
    close(
      y,
      x.map((v) => Math.max(v, 0)),
      'relu fwd',
    );
    close(
      dx,
      dy.map((g, i) => (x[i]! > 0 ? g : 0)),
      'relu bwd',
    );
  });

  it('clip (ReLU6-style) fwd/bwd', () => {
    const dims = [2, 3, 4, 5];
    const x = rand(120).map((v) => v * 2);
    const dy = rand(120);
    const h = d.reluCreate({ dims, algorithm: 'clip', alpha: -0.5, beta: 0.75 });
    const y = new Float32Array(120);
    const dx = new Float32Array(120);
    d.reluForward(h, x, y);
    d.reluBackward(h, dy, x, dx);
    close(
      y,
      x.map((v) => Math.min(Math.max(v, -0.5), 0.75)),
      'clip fwd',
    );
    close(
      dx,
      dy.map((g, i) => (x[i]! > -0.5 && x[i]! <= 0.75 ? g : 0)),
      'clip bwd',
    );
  });

  it('add (+ fused relu)', () => {
    const dims = [2, 16, 3, 3];
    const a = rand(288);
    const b = rand(288);
    const y = new Float32Array(288);
    d.add(d.addCreate({ dims }), a, b, y);
    close(
      y,
      a.map((v, i) => v + b[i]!),
      'add',
    );
    d.add(d.addCreate({ dims, fuseRelu: true }), a, b, y);
    close(
      y,
      a.map((v, i) => Math.max(v + b[i]!, 0)),
      'add+relu',
    );
  });

  for (const mode of ['max', 'avg', 'avg_include_pad'] as const) {
    it(`${mode} pool fwd/bwd`, () => {
      const [n, c, h, w] = [2, 3, 7, 6];
      const [k, s] = [3, 2];
      const pads: [number, number, number, number] = [1, 1, 1, 0];
      const oh = Math.floor((h + pads[0] + pads[2] - k) / s) + 1;
      const ow = Math.floor((w + pads[1] + pads[3] - k) / s) + 1;
      const x = rand(n * c * h * w);
      const dy = rand(n * c * oh * ow);
      const yRef = new Float32Array(dy.length);
      const dxRef = new Float32Array(x.length);
      for (let p = 0; p < n * c; p++)
        for (let y = 0; y < oh; y++)
          for (let xo = 0; xo < ow; xo++) {
            const cells: number[] = [];
            for (let ky = 0; ky < k; ky++)
              for (let kx = 0; kx < k; kx++) {
                const iy = y * s - pads[0] + ky;
                const ix = xo * s - pads[1] + kx;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w) cells.push((p * h + iy) * w + ix);
              }
            const oi = (p * oh + y) * ow + xo;
            if (mode === 'max') {
              let best = cells[0]!;
              for (const ci of cells) if (x[ci]! > x[best]!) best = ci;
              yRef[oi] = x[best]!;
              dxRef[best]! += dy[oi]!;
            } else {
              const div = mode === 'avg' ? cells.length : k * k;
              let sum = 0;
              for (const ci of cells) sum += x[ci]!;
              yRef[oi] = sum / div;
              for (const ci of cells) dxRef[ci]! += dy[oi]! / div;
            }
          }
      const h0 = d.poolCreate({ n, c, h, w, kernel: [k, k], strides: [s, s], pads, mode });
      const ws = mode === 'max' ? d.alloc(d.layout(h0, 'workspace')) : null;
      const y = new Float32Array(dy.length);
      const dx = new Float32Array(x.length);
      d.poolForward(h0, x, y, ws);
      d.poolBackward(h0, dy, dx, ws);
      close(y, yRef, `${mode} pool fwd`);
      close(dx, dxRef, `${mode} pool bwd`);
    });
  }

  it('rejects bad input with an Error', () => {
    const h = d.reluCreate({ dims: [1, 1, 2, 2] });
    assert.throws(() => d.reluForward(h, new Float32Array(2), new Float32Array(4)), /buffer too small/);
    assert.throws(() => d.convCreate({ n: 1, c: 3, h: 4, w: 4, oc: 4, group: 2 }), /divisible/);
  });
});
