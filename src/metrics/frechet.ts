/**
 * Frechet distance between Gaussians (FID, Heusel et al. 2017), as NVIDIA's
 * metrics/frechet_inception_distance.py:
 *   |mu1 - mu2|^2 + tr(S1 + S2 - 2 sqrtm(S1 S2)).
 * scipy's sqrtm of the (non-symmetric) product is replaced by the symmetric identity
 * tr sqrt(S1 S2) = sum sqrt(eig(sqrt(S1) S2 sqrt(S1))), exact for PSD S1, S2.
 */
import { traceSqrtProduct } from './linalg.js';

export function frechetDistance(mu1: ArrayLike<number>, cov1: Float64Array, mu2: ArrayLike<number>, cov2: Float64Array): number {
  const n = mu1.length;
  if (mu2.length !== n || cov1.length !== n * n || cov2.length !== n * n) {
    throw new Error(`frechetDistance: mismatched sizes (${mu1.length}, ${mu2.length}, ${cov1.length}, ${cov2.length})`);
  }
  let m = 0;
  for (let i = 0; i < n; i++) m += (mu1[i] - mu2[i]) ** 2;
  let tr = 0;
  for (let i = 0; i < n; i++) tr += cov1[i * n + i] + cov2[i * n + i];
  return m + tr - 2 * traceSqrtProduct(cov1, cov2, n);
}
