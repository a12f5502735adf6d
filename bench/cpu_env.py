"""Torch-free helpers shared by the Python reference benchmarks: OpenBLAS' kernel set for this CPU
(set before torch loads, so torch gets the same AVX-512 / AVX2 kernels as our addon) and timing."""
import os
import time


def openblas_core():
    """OpenBLAS' kernel set for this CPU from its flags (as src/backend/native-addon.ts does)."""
    try:
        with open('/proc/cpuinfo') as f:
            flags = next((line.split(':', 1)[1].split() for line in f if line.startswith('flags')), [])
    except OSError:
        return None
    if all(f in flags for f in ('avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl')):
        return 'SkylakeX'
    if all(f in flags for f in ('avx2', 'fma')):
        return 'Haswell'
    return None


def set_openblas_core():
    """Sets OPENBLAS_CORETYPE unless the user did: it is read when libopenblas loads, i.e. with torch."""
    if 'OPENBLAS_CORETYPE' not in os.environ and openblas_core():
        os.environ['OPENBLAS_CORETYPE'] = openblas_core()


def timeit(fn, min_s, min_iters=2, warmup=1):
    """Seconds of the fastest call (as `stylegan bench`: other processes only ever add time)."""
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    n, best = 0, float('inf')
    while n < min_iters or time.perf_counter() - t0 < min_s:
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
        n += 1
    return best
