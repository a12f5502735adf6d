#!/usr/bin/env python3
"""Times NVIDIA's official StyleGAN3 (NVlabs/stylegan3) on this CPU, for comparison with the
stylegan3 rows of `stylegan bench` (presets sg3t-32, sg3r-32: the same networks).

Usage: python3 bench/stylegan3_reference.py PATH/TO/stylegan3 [--threads 2] [--quick]
       [--only sg3t|sg3r] [--no-generation] [--plain-steps K]

The networks are what `train --arch stylegan3 --cfg stylegan3-t-cpu / stylegan3-r-cpu` builds at
32 px and what NVIDIA's train.py builds with --cfg stylegan3-t / -r --cbase 1024 --cmax 64
--batch 16 --gamma 0.03125 --fp32 (z = w = 128 is the one setting train.py has no flag for):
G = networks_stylegan3.Generator (2 mapping layers, channel_base 1024 / max 64, doubled with
1x1 convs and radial filters for R, magnitude_ema_beta 0.5^(16/20k)), D = networks_stylegan2's
(resnet, mbstd group 4). On the CPU NVIDIA's custom ops take their reference paths
(_filtered_lrelu_ref, upfirdn2d / bias_act in plain torch): what a CPU user of that code runs.

Generation: G(z) with noise_mode='const', fp32, eval, no_grad, batch 1 and 8 (fastest call).
Training: minibatches of batch 16 of the official loop (StyleGAN2Loss as train.py sets it for
stylegan3: Gmain, Dmain updating G's EMAs, lazy R1 every 16 with Adam's lazy-regularization
rates; R blurs D's inputs from sigma 10; G_ema every minibatch), the mean over one 16-step cycle.
--plain-steps K times K of the cycle's 15 steps without R1 and its one step with R1 and gives the
same cycle mean, (15 t_plain + t_R1) / 16, in K + 2 steps instead of 17 (R trains at ~1 step a
minute with NVIDIA's reference ops on 2 cores).
OPENBLAS_CORETYPE is set from the CPU flags as bench/pytorch_reference.py does.
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
    ap.add_argument('--quick', action='store_true', help='16 px, batch 2, one step: proves it runs')
    ap.add_argument('--only', choices=['sg3t', 'sg3r'], help='time one of the two networks')
    ap.add_argument('--no-generation', action='store_true', help='time training only')
    ap.add_argument('--plain-steps', type=int, default=0, help='estimate the 16-step cycle from K steps without R1 and one with it')
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.repo))
    from training.networks_stylegan3 import Generator  # noqa: E402
    from training.networks_stylegan2 import Discriminator  # noqa: E402
    from training.loss import StyleGAN2Loss  # noqa: E402
    from torch_utils import misc  # noqa: E402

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    min_s = 0.2 if args.quick else 3.0
    res = 16 if args.quick else 32
    batch = 2 if args.quick else 16
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, OPENBLAS_CORETYPE={os.environ.get("OPENBLAS_CORETYPE", "(unset)")}')

    for name, r in (('sg3t', False), ('sg3r', True)):
        if args.only and name != args.only:
            continue
        g = 2 if r else 1

        def make_G():
            return Generator(z_dim=128, c_dim=0, w_dim=128, img_resolution=res, img_channels=3, mapping_kwargs=dict(num_layers=2),
                             channel_base=1024 * g, channel_max=64 * g, magnitude_ema_beta=0.5 ** (batch / 20e3),
                             conv_kernel=1 if r else 3, use_radial_filters=r, num_fp16_res=0)
        G = make_G().eval().requires_grad_(False)
        for b in (() if args.no_generation else (1,) if args.quick else (1, 8)):
            z = torch.randn(b, 128)
            with torch.no_grad():
                t = timeit(lambda: G(z, None, noise_mode='const', force_fp32=True), min_s)
            print(f'generation {name}-{res} {res}px batch {b}: {t * 1000:.1f} ms, {b / t:.2f} img/s')

        G = make_G().train().requires_grad_(False)
        D = Discriminator(c_dim=0, img_resolution=res, img_channels=3, channel_base=1024, channel_max=64, num_fp16_res=0, conv_clamp=None,
                          epilogue_kwargs=dict(mbstd_group_size=min(4, batch))).train().requires_grad_(False)
        G_ema = copy.deepcopy(G).eval()
        loss = StyleGAN2Loss(device=torch.device('cpu'), G=G, D=D, r1_gamma=res * res / 32768, style_mixing_prob=0, pl_weight=0,
                             blur_init_sigma=10 if r else 0, blur_fade_kimg=batch * 200 / 32)
        d_ratio = 16 / 17
        opt_G = torch.optim.Adam(G.parameters(), lr=0.0025, betas=(0, 0.99), eps=1e-8)
        opt_D = torch.optim.Adam(D.parameters(), lr=0.002 * d_ratio, betas=(0, 0.99 ** d_ratio), eps=1e-8)
        phases = [('Gmain', G, opt_G, 1), ('Dmain', D, opt_D, 1), ('Dreg', D, opt_D, 16)]
        reals = torch.randn(batch, 3, res, res).clamp(-1, 1)
        c = torch.zeros(batch, 0)
        state = dict(step=0, nimg=0)

        def minibatch():
            for pname, module, opt, interval in phases:
                if state['step'] % interval != 0:
                    continue
                opt.zero_grad(set_to_none=True)
                module.requires_grad_(True)
                loss.accumulate_gradients(phase=pname, real_img=reals, real_c=c, gen_z=torch.randn(batch, 128), gen_c=c, gain=interval, cur_nimg=state['nimg'])
                module.requires_grad_(False)
                for p in module.parameters():
                    if p.grad is not None:
                        misc.nan_to_num(p.grad, nan=0, posinf=1e5, neginf=-1e5, out=p.grad)
                opt.step()
            with torch.no_grad():  # G_ema as training_loop.py: batch * 10 / 32 kimg half-life, buffers copied
                beta = 0.5 ** (batch / (batch * 10 / 32 * 1000))
                for pe, p in zip(G_ema.parameters(), G.parameters()):
                    pe.copy_(p.lerp(pe, beta))
                for be, b in zip(G_ema.buffers(), G.buffers()):
                    be.copy_(b)
            state['step'] += 1
            state['nimg'] += batch

        if args.plain_steps and not args.quick:
            minibatch()  # step 0 (with R1): warm-up
            t0 = time.perf_counter()
            for _ in range(args.plain_steps):  # steps 1..K: no R1
                minibatch()
            t_plain = (time.perf_counter() - t0) / args.plain_steps
            state['step'] = 16  # the next cycle's R1 step
            t0 = time.perf_counter()
            minibatch()
            t_reg = time.perf_counter() - t0
            t = (15 * t_plain + t_reg) / 16
            print(f'training {name}-{res} {res}px batch {batch}: {t * 1000:.0f} ms/minibatch, {batch / t:.2f} img/s '
                  f'(16-step cycle from {args.plain_steps} steps without R1, {t_plain * 1000:.0f} ms each, and one with it, {t_reg * 1000:.0f} ms)')
            continue
        n = 1 if args.quick else 16
        if not args.quick:
            minibatch()
        t0 = time.perf_counter()
        for _ in range(n):
            minibatch()
        t = (time.perf_counter() - t0) / n
        print(f'training {name}-{res} {res}px batch {batch}: {t * 1000:.0f} ms/minibatch, {batch / t:.2f} img/s (mean over {n} step{"s" if n > 1 else ""})')


if __name__ == '__main__':
    main()
