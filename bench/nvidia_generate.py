#!/usr/bin/env python3
"""NVIDIA's generate.py logic on the CPU, for the start-up comparison of `stylegan bench --only startup`.

Usage:
  python3 bench/nvidia_generate.py REPO --write-pkl OUT.pkl [--resolution 64]
      a random StyleGAN2 network pickled as NVIDIA's training loop does (dict(G, D, G_ema, ...)),
      the shape of our cpu64 preset (z = w = 128, 8 mapping layers, channels min(2048 / res, 128),
      conv_clamp 256, fp32)
  python3 bench/nvidia_generate.py REPO PKL --seeds 0-31 --outdir DIR
      generate.py's loop with device cpu (its only change: generate.py hard-codes cuda): load
      G_ema with legacy.load_network_pkl, then per seed z = RandomState(seed).randn(1, z_dim),
      G(z, label, truncation_psi=1, noise_mode='const'), PIL PNG. Prints to stderr one line
      `startup: imports W/C load W/C first W/C all W/C`: wall seconds since the process started
      and CPU seconds used (all threads) when the imports were done, the network loaded, the
      first PNG and all PNGs written (the format of our generate's STYLEGAN_STARTUP_TIMES line).

REPO is a checkout of NVlabs/stylegan2-ada-pytorch (not part of this repository). Like
bench/pytorch_reference.py, sets OPENBLAS_CORETYPE from the CPU flags before torch loads, so
torch gets the same AVX-512 / AVX2 OpenBLAS kernels as our addon.
"""
import os
import sys
import time

T0 = time.time()


def since_start():
    """(wall seconds since this process started (its start time from /proc, else since T0), CPU seconds used (all threads))."""
    return wall_since_start(), time.process_time()


def wall_since_start():
    try:
        with open('/proc/self/stat') as f:
            start_ticks = int(f.read().rsplit(')', 1)[1].split()[19])
        with open('/proc/uptime') as f:
            uptime = float(f.read().split()[0])
        hz = os.sysconf('SC_CLK_TCK')
        return uptime - start_ticks / hz
    except (OSError, ValueError, IndexError):
        return time.time() - T0


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpu_env import set_openblas_core  # noqa: E402

set_openblas_core()


def parse_seeds(s):
    out = []
    for part in s.split(','):
        if '-' in part:
            a, b = part.split('-')
            out += range(int(a), int(b) + 1)
        else:
            out.append(int(part))
    return out


def write_pkl(repo, out, res):
    sys.path.insert(0, repo)
    import copy
    import pickle
    import torch
    from training.networks import Generator, Discriminator
    torch.manual_seed(0)
    common = dict(c_dim=0, img_resolution=res, img_channels=3)
    kw = dict(channel_base=2048, channel_max=128, num_fp16_res=0, conv_clamp=256)
    G = Generator(z_dim=128, w_dim=128, mapping_kwargs=dict(num_layers=8), synthesis_kwargs=kw, **common).eval().requires_grad_(False)
    D = Discriminator(**kw, **common).eval().requires_grad_(False)
    with open(out, 'wb') as f:
        pickle.dump(dict(G=G, D=D, G_ema=copy.deepcopy(G), augment_pipe=None, training_set_kwargs=None), f)


def generate(repo, pkl, seeds, outdir):
    sys.path.insert(0, repo)
    import numpy as np
    import PIL.Image
    import torch
    import dnnlib  # noqa: F401  (generate.py imports it)
    import legacy
    t_import = since_start()
    device = torch.device('cpu')
    with dnnlib.util.open_url(pkl) as f:
        G = legacy.load_network_pkl(f)['G_ema'].to(device)
    t_load = since_start()
    os.makedirs(outdir, exist_ok=True)
    label = torch.zeros([1, G.c_dim], device=device)
    t_first = None
    for seed in seeds:
        z = torch.from_numpy(np.random.RandomState(seed).randn(1, G.z_dim)).to(device)
        img = G(z, label, truncation_psi=1, noise_mode='const')
        img = (img.permute(0, 2, 3, 1) * 127.5 + 128).clamp(0, 255).to(torch.uint8)
        PIL.Image.fromarray(img[0].cpu().numpy(), 'RGB').save(f'{outdir}/seed{seed:04d}.png')
        t_first = t_first or since_start()
    t_all = since_start()
    print(f'startup: imports {t_import[0]:.3f}/{t_import[1]:.3f} load {t_load[0]:.3f}/{t_load[1]:.3f} '
          f'first {t_first[0]:.3f}/{t_first[1]:.3f} all {t_all[0]:.3f}/{t_all[1]:.3f}', file=sys.stderr)


def main():
    args = sys.argv[1:]
    if len(args) >= 3 and args[1] == '--write-pkl':
        res = int(args[args.index('--resolution') + 1]) if '--resolution' in args else 64
        return write_pkl(args[0], args[2], res)
    if len(args) == 6 and args[2] == '--seeds' and args[4] == '--outdir':
        return generate(args[0], args[1], parse_seeds(args[3]), args[5])
    print(__doc__, file=sys.stderr)
    sys.exit(2)


if __name__ == '__main__':
    main()
