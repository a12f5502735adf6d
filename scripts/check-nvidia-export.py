#!/usr/bin/env python3
"""Runs NVIDIA's loader on a pickle written by `stylegan convert CKPT out.pkl` (the README's export check).

Usage: /usr/bin/python3 scripts/check-nvidia-export.py PATH/TO/stylegan2-ada-pytorch out.pkl PREFIX [CFG]
then:  node --import tsx scripts/check-nvidia-export.ts CKPT.safetensors PREFIX
(needs torch, numpy, click, pillow, e.g. Debian's python3-torch python3-numpy python3-click python3-pil;
NVIDIA's code, a stylegan2-ada-pytorch or stylegan3 checkout, is only imported, never copied.)

Writes PREFIX-img-psi{1.0,0.5}.npy (G_ema, seeds 0-3, const noise, class 1 when conditional, NCHW floats),
PREFIX-u8-psi*.npy (generate.py's uint8 NHWC pixels), PREFIX-d-input.npy and PREFIX-d-logits.npy (D on the
psi 1 images). With CFG (a train.py --cfg such as auto), also the --resume path: the networks train.py builds
for that cfg take every tensor of the pickle (copy_params_and_buffers with require_all=True) and one G and
one D step of StyleGAN2Loss runs (fp32: fp16 convs do not run on a CPU). Set CHECK_ZW=128 and CHECK_CH=1024,64
to build our 'cpu' preset's sizes (128-d latents, channel_base, channel_max), which train.py has no cfg for.
"""
import copy
import os
import sys
import tempfile

import numpy as np
import PIL.Image
import torch

sys.path.insert(0, sys.argv[1])
import dnnlib  # noqa: E402
import legacy  # noqa: E402
from torch_utils import misc  # noqa: E402

pkl, prefix = sys.argv[2], sys.argv[3]
with open(pkl, 'rb') as f:
    data = legacy.load_network_pkl(f)
G, D, G_ema = data['G'], data['D'], data['G_ema']
print('G_ema', dict(G_ema.init_kwargs))
print('D', dict(D.init_kwargs))

seeds = [0, 1, 2, 3]
c = torch.zeros([len(seeds), G_ema.c_dim])
if G_ema.c_dim:
    c[:, 1] = 1
z = torch.from_numpy(np.concatenate([np.random.RandomState(s).randn(1, G_ema.z_dim) for s in seeds])).float()
for psi in [1.0, 0.5]:
    img = G_ema(z, c, truncation_psi=psi, noise_mode='const', force_fp32=True)
    np.save(f'{prefix}-img-psi{psi}.npy', img.detach().numpy().astype(np.float32))
    np.save(f'{prefix}-u8-psi{psi}.npy', (img.permute(0, 2, 3, 1) * 127.5 + 128).clamp(0, 255).to(torch.uint8).numpy())
img = G_ema(z, c, truncation_psi=1.0, noise_mode='const', force_fp32=True)
np.save(f'{prefix}-d-input.npy', img.detach().numpy().astype(np.float32))
np.save(f'{prefix}-d-logits.npy', D(img, c, force_fp32=True).detach().numpy().astype(np.float32))
print('wrote', prefix + '-*.npy')

if len(sys.argv) > 4:
    import train
    from training.loss import StyleGAN2Loss
    res, ch = G_ema.img_resolution, G_ema.img_channels
    folder = tempfile.mkdtemp()
    for i in range(8):
        PIL.Image.fromarray(np.random.RandomState(i).randint(0, 255, (res, res, 3), dtype=np.uint8)).save(f'{folder}/{i}.png')
    desc, args = train.setup_training_loop_kwargs(data=folder, cfg=sys.argv[4], resume=pkl, gpus=1, fp32=True)
    if os.environ.get('CHECK_ZW'):
        args.G_kwargs.z_dim = args.G_kwargs.w_dim = int(os.environ['CHECK_ZW'])
    if os.environ.get('CHECK_CH'):
        base, cmax = (int(v) for v in os.environ['CHECK_CH'].split(','))
        args.G_kwargs.synthesis_kwargs.channel_base = args.D_kwargs.channel_base = base
        args.G_kwargs.synthesis_kwargs.channel_max = args.D_kwargs.channel_max = cmax
    common = dict(c_dim=G_ema.c_dim, img_resolution=res, img_channels=3)
    tG = dnnlib.util.construct_class_by_name(**args.G_kwargs, **common).train().requires_grad_(False)
    tD = dnnlib.util.construct_class_by_name(**args.D_kwargs, **common).train().requires_grad_(False)
    tG_ema = copy.deepcopy(tG).eval()
    for name, module in [('G', tG), ('D', tD), ('G_ema', tG_ema)]:
        misc.copy_params_and_buffers(data[name], module, require_all=True)
    print(desc, ': every tensor copied into the networks train.py builds')
    loss = StyleGAN2Loss(device=torch.device('cpu'), G_mapping=tG.mapping, G_synthesis=tG.synthesis, D=tD, r1_gamma=0.1, pl_weight=2)
    real = torch.from_numpy(np.random.RandomState(0).randn(4, 3, res, res).astype(np.float32))
    rc = torch.zeros([4, tG.c_dim])
    for phase, module in [('Gmain', tG), ('Dboth', tD)]:
        opt = torch.optim.Adam(module.parameters(), lr=0.0025, betas=(0, 0.99))
        module.requires_grad_(True)
        loss.accumulate_gradients(phase=phase, real_img=real, real_c=rc, gen_z=torch.randn([4, tG.z_dim]), gen_c=rc, sync=True, gain=1)
        module.requires_grad_(False)
        g = torch.cat([p.grad.flatten() for p in module.parameters() if p.grad is not None])
        assert torch.isfinite(g).all()
        opt.step()
        print(phase, 'step, gradient norm', float(g.norm()))
