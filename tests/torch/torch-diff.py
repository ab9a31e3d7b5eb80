#!/usr/bin/python3
"""
simdconv against PyTorch itself (Debian's python3-torch), through ctypes on
the shared library: random Conv2d, MaxPool2d and AvgPool2d descriptors
(every parameter: stride, padding, padding='same', the four padding modes,
dilation, groups, bias, the fused activations, ceil_mode, count_include_pad,
divisor_override, return_indices; NaN, -inf, signed zeros and ties in the
pooling inputs), every algorithm forced and AUTO, one to three threads.

The C tests check every kernel against tests/ref, our own reading of
PyTorch's semantics; this checks that reading against PyTorch.

  - Max pooling: values and indices bitwise (NaN against NaN).
  - Average pooling: within 2^-20 (|ref| + max|x|).
  - Convolution: within u (4 (K + 8) S + 16 |ref|), u = 2^-24 * 2 and S the
    output's sum of |w||x| (+ |bias|), K = cin/groups * kh * kw: the direct,
    im2col and depthwise summation orders. Winograd outputs mix the
    rounding of every output of their tile, so there S is the largest sum
    within the tile's reach (three tile steps each way, times the
    dilation) and 512 u S is added for the transforms; test-winograd checks
    the transforms' own rigorous bound.
  - Descriptors PyTorch accepts are accepted, except the windows the
    contract rejects (a pooling window with no input element at all); ones
    PyTorch rejects are refused with a status, never a crash.

Usage: torch-diff.py LIBSIMDCONV.so [--seed S] [--cases N]
Prints "torch-diff: N passed, M failed" and exits non-zero on a failure.
With --accuracy it prints, instead, the largest error of PyTorch's float32
convolution and of each simdconv route against double precision on a few
real layers (the README's table).
SIMDCONV_ISA in the environment caps the ISA as for any host program.
"""
import argparse
import ctypes as C
import math
import random
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F

warnings.filterwarnings("ignore")
torch.set_num_threads(1)

I64 = C.c_int64
FP = C.POINTER(C.c_float)
U = 2.0**-23  # twice the unit roundoff of float32


class ConvDesc(C.Structure):
    _fields_ = [(n, I64) for n in (
        "batch in_channels in_height in_width out_channels kernel_h kernel_w "
        "stride_h stride_w pad_h pad_w dilation_h dilation_w groups").split()] + \
        [("padding_same", C.c_int), ("padding_mode", C.c_int), ("activation", C.c_int)]


class ConvOpt(C.Structure):
    _fields_ = [("algo", C.c_int), ("num_threads", C.c_int), ("winograd_tile", C.c_int)]


class PoolDesc(C.Structure):
    _fields_ = [("kind", C.c_int)] + [(n, I64) for n in (
        "batch channels in_height in_width kernel_h kernel_w stride_h stride_w "
        "pad_h pad_w dilation_h dilation_w").split()] + \
        [("ceil_mode", C.c_int), ("count_include_pad", C.c_int), ("divisor_override", I64)]


class PoolOpt(C.Structure):
    _fields_ = [("num_threads", C.c_int)]


ACTS = [None, F.relu, lambda x: torch.clamp(x, 0, 6), torch.sigmoid, torch.tanh, F.silu,
        F.gelu, lambda x: F.gelu(x, approximate="tanh"), F.mish]
MODES = ["zeros", "reflect", "replicate", "circular"]
ALGOS = ["auto", "direct", "im2col", "winograd"]


def fp(a):
    return a.ctypes.data_as(FP) if a is not None else None


def fields(s):
    return " ".join(f"{n}={getattr(s, n)}" for n, _ in s._fields_)


class Diff:
    def __init__(self, lib_path, seed):
        self.lib = C.CDLL(lib_path)
        self.lib.sc_last_error.restype = C.c_char_p
        self.lib.sc_conv2d_plan_describe.restype = C.c_char_p
        self.lib.sc_isa_active.restype = C.c_int
        self.rng = random.Random(seed)
        torch.manual_seed(seed)
        self.passed = self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            if self.failed <= 30:
                print("FAIL", what)

    def refused(self, tag, st, plan, destroy):
        """A descriptor PyTorch refuses: create must return SC_INVALID_ARGUMENT."""
        self.check(st == 1, f"{tag}: PyTorch refuses it, create returned {st}")
        if st == 0:
            destroy(plan)

    # ------------------------------------------------------------ convolution
    def conv_shape(self):
        r = self.rng
        while True:
            g = r.choice([1, 1, 1, 2, 3, 4, "dw"])
            cin = r.choice([1, 2, 3, 4, 6, 8, 16, 24, 32, 48, 64])
            g = cin if g == "dw" else g
            if cin % g:
                continue
            cout = g * r.choice([1, 2, 3, 5, 8, 16]) if g > 1 else \
                r.choice([1, 3, 5, 8, 16, 20, 32, 33, 64])
            kh = r.choice([1, 2, 3, 3, 3, 4, 5, 7, 11])
            kw = kh if r.random() < .8 else r.choice([1, 3, 5])
            sh = r.choice([1, 1, 1, 2, 2, 3, 4])
            sw = sh if r.random() < .8 else r.choice([1, 2, 3])
            dh = r.choice([1, 1, 1, 2, 3])
            dw = dh if r.random() < .8 else r.choice([1, 2])
            h, w = (r.randint(40, 120), r.randint(40, 120)) if r.random() < .2 else \
                (r.randint(1, 40), r.randint(1, 40))
            same = r.random() < .15 and sh == 1 and sw == 1
            mode = r.choice(MODES) if r.random() < .3 else "zeros"
            ph, pw = r.randint(0, kh), r.randint(0, kw)
            n = r.choice([1, 1, 2, 3])
            return n, cin, h, w, cout, kh, kw, sh, sw, ph, pw, dh, dw, g, same, mode

    def conv_case(self, i):
        r = self.rng
        n, cin, h, w, cout, kh, kw, sh, sw, ph, pw, dh, dw, g, same, mode = self.conv_shape()
        act = r.randrange(len(ACTS)) if r.random() < .4 else 0
        bias = r.random() < .8
        algo = r.choice([0, 0, 1, 2, 3])
        threads = r.choice([1, 2, 3])
        x = torch.randn(n, cin, h, w)
        wt = torch.randn(cout, cin // g, kh, kw) / math.sqrt(cin // g * kh * kw)
        b = torch.randn(cout) if bias else None
        padding = "same" if same else (ph, pw)
        with torch.no_grad():
            try:
                m = torch.nn.Conv2d(cin, cout, (kh, kw), (sh, sw), padding, (dh, dw), g, bias, mode)
                m.weight.copy_(wt)
                if bias:
                    m.bias.copy_(b)
                ref = m(x)
                torch_ok = True
            except (RuntimeError, ValueError):
                torch_ok = False
            if torch_ok:
                if act:
                    ref = ACTS[act](ref)
                ma = torch.nn.Conv2d(cin, cout, (kh, kw), (sh, sw), padding, (dh, dw), g, False,
                                     mode).double()
                ma.weight.copy_(wt.abs().double())
                s = ma(x.abs().double())
                if bias:
                    s = s + b.abs().double().view(1, -1, 1, 1)
        d = ConvDesc(n, cin, h, w, cout, kh, kw, sh, sw, ph, pw, dh, dw, g, int(same),
                     MODES.index(mode), act)
        plan = C.c_void_p()
        wn = wt.numpy().copy()
        bn = b.numpy().copy() if bias else None
        st = self.lib.sc_conv2d_plan_create(C.byref(d), fp(wn), fp(bn),
                                            C.byref(ConvOpt(algo, threads, 0)), C.byref(plan))
        tag = f"conv {i} algo={ALGOS[algo]} threads={threads} bias={int(bias)} {fields(d)}"
        if not torch_ok:
            self.refused(tag, st, plan, self.lib.sc_conv2d_plan_destroy)
            return
        if st != 0:
            # a forced algorithm may decline the shape; AUTO may not
            self.check(algo != 0 and st == 2,
                       f"{tag}: create returned {st}: {self.lib.sc_last_error().decode()}")
            return
        out = np.full(tuple(ref.shape), np.nan, dtype=np.float32)
        xn = x.numpy().copy()
        st = self.lib.sc_conv2d_run(plan, fp(xn), fp(out))
        name = self.lib.sc_conv2d_plan_describe(plan).decode()
        self.lib.sc_conv2d_plan_destroy(plan)
        got = torch.from_numpy(out).double()
        refd = ref.double()
        k = cin // g * kh * kw
        tol = U * (4 * (k + 8) * s + 16 * refd.abs())
        if name.startswith("winograd"):
            reach = 3 * max(dh, dw)
            nb = F.max_pool2d(s, 2 * reach + 1, 1, reach)
            tol = U * (4 * (k + 8) * nb + 512 * nb + 16 * refd.abs())
        err = (got - refd).abs()
        bad = ~(err <= tol)
        where = ""
        if bool(bad.any()):
            at = tuple(bad.nonzero()[0].tolist())
            where = (f": {int(bad.sum())} outputs beyond the bound, first {list(at)}: "
                     f"got {got[at].item():.9g} PyTorch {refd[at].item():.9g} "
                     f"bound {tol[at].item():.3g}")
        self.check(st == 0 and not bool(bad.any()), f"{tag} [{name}]{where}")

    # ---------------------------------------------------------------- pooling
    @staticmethod
    def empty_window(size, k, s, p, dil, nout):
        return any(all(not 0 <= o * s - p + t * dil < size for t in range(k))
                   for o in range(nout))

    def pool_case(self, i):
        r = self.rng
        kind = r.choice(["max", "max", "avg"])
        kh = r.randint(1, 7)
        kw = kh if r.random() < .7 else r.randint(1, 7)
        sh = r.choice([0, 1, 2, 3])
        sw = sh if r.random() < .8 else r.choice([1, 2, 3])
        if sh == 0:
            sh, sw = kh, kw
        ph, pw = r.randint(0, kh // 2), r.randint(0, kw // 2)
        if r.random() < .05:
            ph = kh // 2 + 1  # PyTorch refuses: pad over half the kernel
        dh = r.choice([1, 1, 2, 3]) if kind == "max" else 1
        dw = dh
        ceil = r.random() < .4
        h, w = r.randint(1, 60), r.randint(1, 60)
        n, c = r.choice([1, 2]), r.choice([1, 3, 8, 17])
        x = torch.randn(n, c, h, w)
        if r.random() < .1:
            x = torch.round(x)  # ties
        if r.random() < .2:
            u = torch.rand(n, c, h, w)
            x[u < .05] = float("nan")
            x[(u > .05) & (u < .1)] = float("-inf")
            x[u > .95] = -0.0
        cip = r.random() < .5
        div = r.choice([0, 0, 0, 3, -2]) if kind == "avg" else 0
        want_idx = kind == "max" and r.random() < .5
        threads = r.choice([1, 2])
        try:
            if kind == "max":
                ref, idx = F.max_pool2d(x, (kh, kw), (sh, sw), (ph, pw), (dh, dw), ceil, True)
            else:
                ref = F.avg_pool2d(x, (kh, kw), (sh, sw), (ph, pw), ceil, cip, div or None)
            torch_ok = ref.numel() > 0
        except (RuntimeError, ValueError):
            torch_ok = False
        d = PoolDesc(0 if kind == "max" else 1, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw,
                     int(ceil), int(cip), div)
        plan = C.c_void_p()
        st = self.lib.sc_pool2d_plan_create(C.byref(d), C.byref(PoolOpt(threads)), C.byref(plan))
        tag = f"pool {i} {kind} indices={int(want_idx)} threads={threads} {fields(d)}"
        if not torch_ok:
            self.refused(tag, st, plan, self.lib.sc_pool2d_plan_destroy)
            return
        ho, wo = ref.shape[2], ref.shape[3]
        if st != 0:
            empty = self.empty_window(h, kh, sh, ph, dh, ho) or \
                self.empty_window(w, kw, sw, pw, dw, wo)
            self.check(st == 1 and empty,
                       f"{tag}: create returned {st}: {self.lib.sc_last_error().decode()}")
            return
        xn = x.numpy().copy()
        out = np.full(tuple(ref.shape), 7.0, dtype=np.float32)
        ind = np.full(tuple(ref.shape), -5, dtype=np.int64) if want_idx else None
        st = self.lib.sc_pool2d_run(plan, fp(xn), fp(out),
                                    ind.ctypes.data_as(C.POINTER(I64)) if want_idx else None)
        self.lib.sc_pool2d_plan_destroy(plan)
        got = torch.from_numpy(out)
        if kind == "max":
            good = (got.view(torch.int32) == ref.view(torch.int32)) | (got.isnan() & ref.isnan())
            if want_idx:
                good &= torch.from_numpy(ind) == idx
        else:
            fin = x[x.isfinite()]
            xmax = fin.abs().max().double() if fin.numel() else 0.0
            err = (got.double() - ref.double()).abs()
            good = (err <= 2.0**-20 * (ref.double().abs() + xmax)) | \
                (got.isnan() & ref.isnan()) | (got == ref)
        where = ""
        if not bool(good.all()):
            at = tuple((~good).nonzero()[0].tolist())
            where = f": {int((~good).sum())} outputs differ, first {list(at)}: got " \
                f"{got[at].item()!r} PyTorch {ref[at].item()!r}"
            if want_idx:
                where += f", index {int(ind[at])} PyTorch {int(idx[at])}"
        self.check(st == 0 and bool(good.all()), tag + where)


# (N, Cin, H, W, Cout, K, stride, pad): the README's accuracy table
ACCURACY_LAYERS = [
    ("ResNet 3x3 64ch 56x56", (1, 64, 56, 56, 64, 3, 1, 1)),
    ("ResNet 3x3 256ch 14x14", (1, 256, 14, 14, 256, 3, 1, 1)),
    ("ResNet 3x3 512ch 7x7", (1, 512, 7, 7, 512, 3, 1, 1)),
    ("Inception 5x5 16->32 28x28", (1, 16, 28, 28, 32, 5, 1, 2)),
    ("ResNet stem 7x7/2", (1, 3, 224, 224, 64, 7, 2, 3)),
    ("AlexNet conv1 11x11/4", (1, 3, 227, 227, 96, 11, 4, 0)),
]


def accuracy(t):
    """Largest absolute error against a double-precision convolution, on
    x ~ N(0, 1) and w ~ N(0, 1/K) (outputs of unit variance), for PyTorch's
    own float32 convolution and each of simdconv's routes."""
    routes = [("im2col", 2, 0), ("F(2x2,3x3)", 3, 2), ("F(4x4,3x3)", 3, 4),
              ("F(3x3,4x4)", 3, 3), ("auto", 0, 0)]
    print("| layer | PyTorch float32 | " + " | ".join(r[0] for r in routes) + " |")
    print("|---" * (len(routes) + 2) + "|")
    for label, (n, cin, h, w, cout, k, s, p) in ACCURACY_LAYERS:
        x = torch.randn(n, cin, h, w)
        wt = torch.randn(cout, cin, k, k) / math.sqrt(cin * k * k)
        ref = F.conv2d(x.double(), wt.double(), None, s, p)
        row = [f"{(F.conv2d(x, wt, None, s, p).double() - ref).abs().max().item():.1e}"]
        for _, algo, tile in routes:
            d = ConvDesc(n, cin, h, w, cout, k, k, s, s, p, p, 1, 1, 1, 0, 0, 0)
            plan = C.c_void_p()
            wn, xn = wt.numpy().copy(), x.numpy().copy()
            if t.lib.sc_conv2d_plan_create(C.byref(d), fp(wn), None,
                                           C.byref(ConvOpt(algo, 1, tile)), C.byref(plan)):
                row.append("-")
                continue
            out = np.zeros(tuple(ref.shape), dtype=np.float32)
            t.lib.sc_conv2d_run(plan, fp(xn), fp(out))
            name = t.lib.sc_conv2d_plan_describe(plan).decode().split("/")[0]
            t.lib.sc_conv2d_plan_destroy(plan)
            e = (torch.from_numpy(out).double() - ref).abs().max().item()
            row.append(f"{e:.1e}" + (f" ({name})" if algo == 0 else ""))
        print(f"| {label} | " + " | ".join(row) + " |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("lib")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--accuracy", action="store_true",
                    help="print the largest errors of each route on real layers instead")
    a = ap.parse_args()
    t = Diff(a.lib, a.seed)
    if a.accuracy:
        accuracy(t)
        return
    isa = ["scalar", "avx2", "avx512", "neon"][t.lib.sc_isa_active()]
    for i in range(a.cases):
        t.conv_case(i)
        t.pool_case(i)
    print(f"torch-diff ({isa}, PyTorch {torch.__version__}, seed {a.seed}, {a.cases} convolution "
          f"and {a.cases} pooling descriptors): {t.passed} passed, {t.failed} failed")
    sys.exit(1 if t.failed or not t.passed else 0)


if __name__ == "__main__":
    main()
