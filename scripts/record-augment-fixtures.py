#!/usr/bin/env python3
"""Records NVIDIA's AugmentPipe on fixed images with its random draws, for test/training/augment.test.ts.

Usage: /usr/bin/python3 scripts/record-augment-fixtures.py PATH/TO/stylegan2-ada-pytorch test/fixtures/augment
(needs torch and scipy, e.g. Debian's python3-torch python3-scipy; NVIDIA's code is only imported, never copied).

Every torch.rand / torch.randn call the pipe makes is recorded (function, shape, values), so the
TypeScript pipe can replay the same draws. The input images and output cotangents are closed-form
patterns both sides compute, so only the outputs and input gradients are stored.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, sys.argv[1])
from training.augment import AugmentPipe  # noqa: E402

out_dir = sys.argv[2]
os.makedirs(out_dir, exist_ok=True)


def pattern(shape, a, b):
    n, c, h, w = np.meshgrid(*[np.arange(s, dtype=np.float64) for s in shape], indexing='ij')
    return (np.sin(a * h + b * w + 2.1 * c + 0.5 * n) * np.cos(0.4 * w - 0.9 * h + n)).astype(np.float32)


ONE = ['xflip', 'rotate90', 'xint', 'scale', 'rotate', 'aniso', 'xfrac',
       'brightness', 'contrast', 'lumaflip', 'hue', 'saturation', 'imgfilter', 'noise', 'cutout']
BLIT = dict(xflip=1, rotate90=1, xint=1)
GEOM = dict(scale=1, rotate=1, aniso=1, xfrac=1)
COLOR = dict(brightness=1, contrast=1, lumaflip=1, hue=1, saturation=1)
ALL = dict(**BLIT, **GEOM, **COLOR, imgfilter=1, noise=1, cutout=1)

cases = [dict(name=k, kwargs={k: 1}, p=0.8, shape=[3, 3, 24, 24] if k == 'imgfilter' else [3, 3, 12, 16]) for k in ONE]
cases += [
    dict(name='bg-p0', kwargs=dict(**BLIT, **GEOM), p=0.0, shape=[2, 3, 12, 16]),
    dict(name='bgc', kwargs=dict(**BLIT, **GEOM, **COLOR), p=0.5, shape=[3, 3, 12, 16]),
    dict(name='bgcfnc', kwargs=ALL, p=0.6, shape=[3, 3, 24, 24]),
    dict(name='bgcfnc-gray', kwargs=ALL, p=0.6, shape=[2, 1, 24, 24]),
    dict(name='geom-strong', kwargs=dict(**GEOM), p=1.0, shape=[2, 3, 16, 12]),
]

index = []
orig_rand, orig_randn = torch.rand, torch.randn
for i, case in enumerate(cases):
    torch.manual_seed(1000 + i)
    rec = []

    def rand(*a, **k):
        t = orig_rand(*a, **k)
        rec.append(('rand', list(t.shape), t.detach().numpy().copy()))
        return t

    def randn(*a, **k):
        t = orig_randn(*a, **k)
        rec.append(('randn', list(t.shape), t.detach().numpy().copy()))
        return t

    pipe = AugmentPipe(**case['kwargs'])
    pipe.p.copy_(torch.as_tensor(case['p']))
    x = torch.from_numpy(pattern(case['shape'], 0.7, 1.3)).requires_grad_(True)
    dy = torch.from_numpy(pattern(case['shape'], -0.3, 0.8))
    torch.rand, torch.randn = rand, randn
    try:
        y = pipe(x)
    finally:
        torch.rand, torch.randn = orig_rand, orig_randn
    (dx,) = torch.autograd.grad(y, x, dy)
    arrays = {'y': y.detach().numpy(), 'dx': dx.numpy()}
    for j, (fn, shape, values) in enumerate(rec):
        arrays[f'draw{j:03d}_{fn}'] = values.astype(np.float32).reshape(shape)
    np.savez_compressed(os.path.join(out_dir, f"{case['name']}.npz"), **arrays)
    index.append(dict(name=case['name'], kwargs=case['kwargs'], p=case['p'], shape=case['shape'], draws=len(rec)))
    print(case['name'], len(rec), 'draws')

with open(os.path.join(out_dir, 'cases.json'), 'w') as f:
    json.dump(dict(source='NVlabs/stylegan2-ada-pytorch training/augment.py, torch ' + torch.__version__, cases=index), f, indent=1)
