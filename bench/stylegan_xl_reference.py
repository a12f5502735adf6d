#!/usr/bin/env python3
"""Times the official StyleGAN-XL generator (autonomousvision/stylegan-xl) on this CPU, for comparison
with `tmp`-free `node --import tsx bench/stylegan-xl.ts NETWORK.pkl` (the same pickle through ours).

Usage: python3 bench/stylegan_xl_reference.py PATH/TO/stylegan-xl NETWORK.pkl [--threads 2] [--seconds 3]

G_ema(z, c) with class 0, psi 1, fp32, eval, no_grad, batch 1 and 8 (the official ops' reference
paths: no CUDA). The pickle is read by the official legacy.load_network_pkl; two shims, outside the
official code: `dill` (only dill._dill._create_array, if dill is not installed) and the
persistence module source (test fixtures carry a placeholder: the official module is used).
"""
import argparse
import importlib
import os
import sys
import time
import types

p = argparse.ArgumentParser()
p.add_argument('repo')
p.add_argument('pkl')
p.add_argument('--threads', type=int, default=2)
p.add_argument('--seconds', type=float, default=3)
a = p.parse_args()

# Torch's Debian OpenBLAS falls back to SSE3 kernels on newer Xeons: give it the AVX kernels, as
# our addon does, before torch loads.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpu_env import set_openblas_core  # noqa: E402
set_openblas_core()
import torch  # noqa: E402

torch.set_num_threads(a.threads)
sys.path.insert(0, os.path.abspath(a.repo))
try:
    import dill  # noqa: F401
except ImportError:
    def _create_array(f, args, state, npdict=None):
        arr = f(*args)
        arr.__setstate__(state)
        return arr
    dill = types.ModuleType('dill')
    dill._dill = types.ModuleType('dill._dill')
    dill._dill._create_array = _create_array
    sys.modules['dill'], sys.modules['dill._dill'] = dill, dill._dill
from torch_utils import persistence  # noqa: E402
persistence._src_to_module = lambda src: importlib.import_module('training.networks_stylegan3_resetting')
import legacy  # noqa: E402

with open(a.pkl, 'rb') as f:
    G = legacy.load_network_pkl(f)['G_ema'].eval().requires_grad_(False)
print(f'{type(G).__name__} {G.img_resolution} px, torch {torch.__version__}, {a.threads} threads')
for batch in (1, 8):
    z = torch.randn(batch, G.z_dim)
    c = torch.nn.functional.one_hot(torch.zeros(batch, dtype=torch.int64), G.c_dim) if G.c_dim else None
    with torch.no_grad():
        G(z, c)
        best, t0, n = float('inf'), time.perf_counter(), 0
        while n < 3 or time.perf_counter() - t0 < a.seconds:
            t = time.perf_counter()
            G(z, c)
            best = min(best, time.perf_counter() - t)
            n += 1
    print(f'batch {batch}: {batch / best:.1f} img/s (best of {n})')
