/** Float -> uint8 pixel conversion with no Node imports, so the browser bundle shares it with the CLI. */

/**
 * Float images in [-1, 1] to uint8, bit-exact with NVIDIA's generate.py:
 * `(img * 127.5 + 128).clamp(0, 255).to(torch.uint8)`. Torch computes in float32
 * (hence Math.fround after each op) and the uint8 cast truncates toward zero.
 * NaN maps to 0.
 */
export function toUint8(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.fround(Math.fround(x[i] * 127.5) + 128);
    out[i] = Math.trunc(Math.min(255, Math.max(0, v)));
  }
  return out;
}

/**
 * StyleGAN-XL's gen_images.py conversion, bit-exact: `((img + 1) * 255 / 2).clamp(0, 255).to(torch.uint8)`
 * (float32 after each op, truncation toward zero; NaN maps to 0). Not the same as {@link toUint8}:
 * x = 0 gives 127 here, 128 there.
 */
export function toUint8XL(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.fround(Math.fround(Math.fround(x[i] + 1) * 255) / 2);
    out[i] = Math.trunc(Math.min(255, Math.max(0, v)));
  }
  return out;
}

/** The conversion the official generate script of a network family writes its PNGs with. */
export function toUint8For(arch: string): (x: Float32Array) => Uint8Array {
  return arch === 'stylegan-xl' ? toUint8XL : toUint8;
}
