#!/usr/bin/env python3
"""Times NVIDIA's official stylegan2-ada-pytorch on this CPU, for comparison with `stylegan bench`.

Usage: python3 bench/pytorch_reference.py PATH/TO/stylegan2-ada-pytorch [--threads 2] [--quick]

On a loaded machine try --threads 1 too: torch's OpenMP threads spin-wait, and with more
runnable threads than cores a 2-thread run can be 10x slower than a 1-thread one.

Networks of the same shape as our presets (z = w = 128, 8 mapping layers, channels
min(base / res, max)): cpu32 = 32 px, base 1024, max 64; cpu64 = 64 px, base 2048, max 128.
These are StyleGAN2 (modulated convs, skip G, resnet D): compare with the `stylegan2` rows of
`stylegan bench` (sg2-32, sg2-64: the same networks); its `stylegan` rows are the original
StyleGAN at the same shapes.

Torch's CPU BLAS here is Debian's OpenBLAS, which does not know newer Xeons and falls back to
its SSE3 kernels (sgemm 48 instead of 256 GFLOP/s measured). As our addon does, this script sets
OPENBLAS_CORETYPE from the CPU flags before torch loads, unless it is set already, so both
sides get the AVX-512 kernels.
Generation: G(z) with noise_mode='const', fp32, eval, no_grad. Training: one minibatch of the
official training loop: (a) "same work as ours" = Gboth + Dboth (R1 every step, no path-length
reg), (b) "official defaults" = lazy R1 every 16 and PL every 4 minibatches (averaged over 16).
Also prints torch's sgemm GFLOP/s (1024^3) on the same threads.
"""
import argparse
import copy
import os
import sys
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpu_env import set_openblas_core, timeit  # noqa: E402

set_openblas_core()
import torch  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('repo')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--quick', action='store_true')
    args = ap.parse_args()
    sys.path.insert(0, args.repo)
    from training.networks import Generator, Discriminator  # noqa: E402
    from training.loss import StyleGAN2Loss  # noqa: E402
    from torch_utils import misc  # noqa: E402

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    min_s = 0.5 if args.quick else 3.0
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, OPENBLAS_CORETYPE={os.environ.get("OPENBLAS_CORETYPE", "(unset)")}')

    n = 256 if args.quick else 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    t = timeit(lambda: torch.mm(a, b), min_s, 5)
    print(f'sgemm {n}^3: {2 * n ** 3 / t / 1e9:.1f} GFLOP/s')

    presets = {'cpu32': (32, 1024, 64), 'cpu64': (64, 2048, 128)}
    if args.quick:
        presets = {'cpu16': (16, 1024, 64)}
    for name, (res, cbase, cmax) in presets.items():
        common = dict(c_dim=0, img_resolution=res, img_channels=3)
        G = Generator(z_dim=128, w_dim=128, mapping_kwargs=dict(num_layers=8),
                      synthesis_kwargs=dict(channel_base=cbase, channel_max=cmax, num_fp16_res=0, conv_clamp=None), **common)
        for batch in (1, 8):
            z = torch.randn(batch, 128)
            G.eval()
            with torch.no_grad():
                t = timeit(lambda: G(z, None, noise_mode='const', force_fp32=True), min_s)
            print(f'generation {name} {res}px batch {batch}: {t * 1000:.1f} ms, {batch / t:.2f} img/s')

        batch = 2 if args.quick else 16
        for label, g_reg, d_reg, pl_weight in (('same work as ours (R1 every step, no PL)', None, None, 0.0),
                                               ('official defaults (lazy R1/16, PL/4)', 4, 16, 2.0)):
            G = Generator(z_dim=128, w_dim=128, mapping_kwargs=dict(num_layers=8),
                          synthesis_kwargs=dict(channel_base=cbase, channel_max=cmax, num_fp16_res=0, conv_clamp=None), **common).train()
            D = Discriminator(channel_base=cbase, channel_max=cmax, num_fp16_res=0, conv_clamp=None,
                              epilogue_kwargs=dict(mbstd_group_size=4), **common).train()
            G_ema = copy.deepcopy(G).eval()
            loss = StyleGAN2Loss(device=torch.device('cpu'), G_mapping=G.mapping, G_synthesis=G.synthesis, D=D,
                                 r1_gamma=10, pl_weight=pl_weight, style_mixing_prob=0.9)
            phases = []
            for pname, module, reg in (('G', G, g_reg), ('D', D, d_reg)):
                if reg is None:
                    phases.append((pname + 'both', module, torch.optim.Adam(module.parameters(), lr=0.002, betas=(0, 0.99), eps=1e-8), 1))
                else:
                    ratio = reg / (reg + 1)
                    opt = torch.optim.Adam(module.parameters(), lr=0.002 * ratio, betas=(0, 0.99 ** ratio), eps=1e-8)
                    phases += [(pname + 'main', module, opt, 1), (pname + 'reg', module, opt, reg)]
            reals = torch.randn(batch, 3, res, res).clamp(-1, 1)
            c = torch.zeros(batch, 0)
            step = [0]

            def minibatch():
                for pname, module, opt, interval in phases:
                    if step[0] % interval != 0:
                        continue
                    opt.zero_grad(set_to_none=True)
                    module.requires_grad_(True)
                    loss.accumulate_gradients(phase=pname, real_img=reals, real_c=c, gen_z=torch.randn(batch, 128), gen_c=c, sync=True, gain=interval)
                    module.requires_grad_(False)
                    for p in module.parameters():
                        if p.grad is not None:
                            misc.nan_to_num(p.grad, nan=0, posinf=1e5, neginf=-1e5, out=p.grad)
                    opt.step()
                with torch.no_grad():  # G_ema, as the official loop (10 kimg half-life)
                    beta = 0.5 ** (batch / 10000)
                    for pe, p in zip(G_ema.parameters(), G.parameters()):
                        pe.copy_(p.lerp(pe, beta))
                step[0] += 1

            if g_reg is None:
                t = timeit(minibatch, 0, 2 if args.quick else 4)
            else:
                # Lazy regularization makes minibatches unequal: the mean over one 16-step cycle.
                minibatch()
                t0 = time.perf_counter()
                for _ in range(2 if args.quick else 16):
                    minibatch()
                t = (time.perf_counter() - t0) / (2 if args.quick else 16)
            print(f'training {name} {res}px batch {batch}, {label}: {t * 1000:.0f} ms/minibatch, {batch / t:.2f} img/s')


if __name__ == '__main__':
    main()
