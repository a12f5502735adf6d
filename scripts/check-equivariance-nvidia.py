#!/usr/bin/env python3
"""NVIDIA's equivariance metrics (NVlabs/stylegan3 metrics/equivariance.py) on a StyleGAN3 pickle,
with per-batch sums, to hold `stylegan metrics --metrics eqt50k_int,eqt50k_frac,eqr50k` against.

Usage: python3 scripts/check-equivariance-nvidia.py PATH/TO/stylegan3 NETWORK.pkl [--num 1024] [--batch 4]
       python3 scripts/check-equivariance-nvidia.py PATH/TO/stylegan3 --operators OUTDIR

The loop is compute_equivariance_metrics' (one z batch, one translation / angle per batch and
metric, NVIDIA's operators and masks imported from the repo; CPU, fp32), keeping each batch's
squared-error and mask sums so that the mean's standard error can be given (delta method over
batches). The repo is only imported from its path. Test fixtures carry a placeholder module
source: the official modules it names are used for the pickle's classes.
--operators writes test/fixtures/equivariance: NVIDIA's rotation / pseudo-rotation of a random
image and the band-limit filters, for the unit test of our operators.
"""
import argparse
import importlib
import os
import sys

import numpy as np

p = argparse.ArgumentParser()
p.add_argument('repo')
p.add_argument('pkl', nargs='?')
p.add_argument('--num', type=int, default=1024)
p.add_argument('--batch', type=int, default=4)
p.add_argument('--metrics', default='int,frac,rot')
p.add_argument('--seed', type=int, default=0)
p.add_argument('--threads', type=int, default=1)
p.add_argument('--operators')
p.add_argument('--numpy-rng', action='store_true', help="draw z and the transforms as `stylegan metrics` does (np.random.RandomState(seed) per metric: randn z, then random_sample per translation axis or angle): the same samples as ours")
a = p.parse_args()

import torch  # noqa: E402
torch.set_num_threads(a.threads)
sys.path.insert(0, os.path.abspath(a.repo))
from metrics import equivariance as eq  # noqa: E402

if a.operators:
    os.makedirs(a.operators, exist_ok=True)
    g = torch.Generator().manual_seed(1)
    x = torch.randn([2, 3, 16, 16], generator=g)
    angle = 0.7
    z, m = eq.apply_fractional_rotation(x, angle)
    pz, pm = eq.apply_fractional_pseudo_rotation(x, angle)
    f4 = eq.construct_affine_bandlimit_filter(eq.rotation_matrix(angle), a=3, amax=6, up=4)
    f1 = eq.construct_affine_bandlimit_filter(eq.rotation_matrix(-angle), a=3, amax=6, up=1)
    for name, t in dict(x=x, rot_z=z, rot_m=m, pseudo_z=pz, pseudo_m=pm, filter_up4=f4, filter_up1=f1).items():
        np.save(os.path.join(a.operators, f'{name}.npy'), t.numpy().astype(np.float32))
    print(f'wrote {a.operators}: angle {angle}')
    sys.exit(0)

from torch_utils import persistence  # noqa: E402
# The placeholder names the official file: networks_stylegan2 (D) or networks_stylegan3 (G).
persistence._src_to_module = lambda src: importlib.import_module('training.networks_stylegan2' if 'networks_stylegan2' in src else 'training.networks_stylegan3')
import legacy  # noqa: E402

with open(a.pkl, 'rb') as f:
    G = legacy.load_network_pkl(f)['G_ema'].eval().requires_grad_(False)
torch.manual_seed(a.seed)
kinds = a.metrics.split(',')
I = torch.eye(3)
M = G.synthesis.input.transform
sums = {k: [] for k in kinds}


def batches(kind_list):
    """compute_equivariance_metrics' loop for the given metrics, with the draws of --numpy-rng or torch's."""
    rs = np.random.RandomState(a.seed)
    for start in range(0, a.num, a.batch):
        if a.numpy_rng:
            z = torch.from_numpy(rs.randn(a.batch, G.z_dim).astype(np.float32))
            draw = lambda n: torch.from_numpy(np.array([rs.random_sample() for _ in range(n)], dtype=np.float64)).to(torch.float32)  # noqa: E731
        else:
            z = torch.randn([a.batch, G.z_dim])
            draw = lambda n: torch.rand(n) if n > 1 else torch.rand([])  # noqa: E731
        ws = G.mapping(z=z, c=None)
        M[:] = I
        orig = G.synthesis(ws=ws, noise_mode='const')
        if 'int' in kind_list:
            t = (draw(2) * 2 - 1) * 0.125
            t = (t * G.img_resolution).round() / G.img_resolution
            M[:] = I
            M[:2, 2] = -t
            img = G.synthesis(ws=ws, noise_mode='const')
            ref, mask = eq.apply_integer_translation(orig, t[0], t[1])
            sums['int'].append((((ref - img).square() * mask).double().sum().item(), mask.double().sum().item()))
        if 'frac' in kind_list:
            t = (draw(2) * 2 - 1) * 0.125
            M[:] = I
            M[:2, 2] = -t
            img = G.synthesis(ws=ws, noise_mode='const')
            ref, mask = eq.apply_fractional_translation(orig, t[0], t[1])
            sums['frac'].append((((ref - img).square() * mask).double().sum().item(), mask.double().sum().item()))
        if 'rot' in kind_list:
            angle = (draw(1).reshape([]) * 2 - 1) * np.pi
            M[:] = eq.rotation_matrix(-angle)
            img = G.synthesis(ws=ws, noise_mode='const')
            ref, ref_mask = eq.apply_fractional_rotation(orig, angle)
            pseudo, pseudo_mask = eq.apply_fractional_pseudo_rotation(img, angle)
            mask = ref_mask * pseudo_mask
            sums['rot'].append((((ref - pseudo).square() * mask).double().sum().item(), mask.double().sum().item()))
        if (start // a.batch) % 16 == 0:
            print(f'  {",".join(kind_list)} {start + a.batch}/{a.num}', file=sys.stderr)


with torch.no_grad():
    # ours runs one metric at a time, each from a fresh RandomState(seed); torch's draws interleave as NVIDIA's.
    for group in ([[k] for k in kinds] if a.numpy_rng else [kinds]):
        batches(group)

names = {'int': 'eqt50k_int', 'frac': 'eqt50k_frac', 'rot': 'eqr50k'}
for k in kinds:
    s = np.array(sums[k])
    e, m = s[:, 0], s[:, 1]
    mse = e.sum() / m.sum()
    # Delta method for the ratio of sums over n batches: var(mse) ~ var(e - mse m) / (n mean(m)^2); dB = -10 log10(mse).
    n = len(e)
    se_mse = np.sqrt(np.var(e - mse * m, ddof=1) / n) / m.mean()
    psnr = 20 * np.log10(2) - 10 * np.log10(mse)
    print(f'{names[k]}: {psnr:.3f} dB (+- {10 / np.log(10) * se_mse / mse:.3f} standard error; {a.num} samples, {n} batches)')
