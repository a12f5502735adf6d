#!/usr/bin/env python3
"""Times NVIDIA's `_filtered_lrelu_ref` (NVlabs/stylegan3 torch_utils/ops/filtered_lrelu.py: what
NVIDIA's code runs off CUDA) on the cases of `stylegan bench --only filtered-lrelu`.

Usage: python3 bench/filtered_lrelu_reference.py PATH/TO/stylegan3 [--threads 2] [--seconds 2]

Same shapes, filter sizes, padding (SynthesisLayer's formula) and clamp as src/bench/filtered-lrelu.ts;
fp32, NCHW. Forward under no_grad; "grad" = forward + autograd of x and b, as our "grad" column.
Fastest call of each, as `stylegan bench`.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpu_env import set_openblas_core  # noqa: E402

set_openblas_core()

import numpy as np  # noqa: E402
import torch  # noqa: E402


def lowpass(k, two_d=False):
    """The bench's smooth stand-in filter (timing does not depend on the values)."""
    t = np.sin(np.pi * (np.arange(k) + 0.5) / k)
    f = np.outer(t, t) if two_d else t
    return torch.tensor(f / f.sum(), dtype=torch.float32)


def layer_padding(in_size, out_size, conv, up, down, up_taps, down_taps):
    total = (out_size - 1) * down + 1 - (in_size + conv - 1) * up + up_taps + down_taps - 2
    lo = (total + up) // 2
    return [lo, total - lo, lo, total - lo]


# (layer, batch, in px, out px, channels, up, conv kernel, radial down filter): src/bench/filtered-lrelu.ts.
CASES = [('T 36 px', 1, 36, 36, 512, 2, 3, False), ('T 36 -> 52 px', 1, 36, 52, 512, 4, 3, False),
         ('T 52 px', 1, 52, 52, 256, 2, 3, False), ('T 52 px, batch 4', 4, 52, 52, 64, 2, 3, False),
         ('R 36 px (radial)', 1, 36, 36, 512, 2, 1, True)]


def best_ms(fn, seconds):
    fn()
    t0, best = time.perf_counter(), float('inf')
    while best == float('inf') or time.perf_counter() - t0 < seconds:
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('repo')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seconds', type=float, default=2)
    a = ap.parse_args()
    sys.path.insert(0, a.repo)
    from torch_utils.ops import filtered_lrelu  # noqa: E402
    torch.set_num_threads(a.threads)
    print(f'torch {torch.__version__}, {a.threads} threads; ms per call (fastest)')
    for name, n, i, o, c, up, conv, radial in CASES:
        s = i + conv - 1
        x = torch.randn(n, c, s, s, requires_grad=True)
        b = (torch.randn(c) * 0.2).requires_grad_()
        kw = dict(fu=lowpass(6 * up), fd=lowpass(12, radial), up=up, down=2,
                  padding=layer_padding(i, o, conv, up, 2, 6 * up, 12), clamp=256)
        y = filtered_lrelu._filtered_lrelu_ref(x, b=b, **kw)
        dy = torch.randn_like(y)
        with torch.no_grad():
            fwd = best_ms(lambda: filtered_lrelu._filtered_lrelu_ref(x, b=b, **kw), a.seconds)
        grad = best_ms(lambda: torch.autograd.grad((filtered_lrelu._filtered_lrelu_ref(x, b=b, **kw) * dy).sum(), [x, b]), a.seconds)
        print(f'{name:18s} {"x".join(map(str, x.shape))} -> {"x".join(map(str, y.shape))}  fwd {fwd:9.2f}  grad {grad:9.2f}')


if __name__ == '__main__':
    main()
