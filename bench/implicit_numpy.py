#!/usr/bin/python3
"""EASE on MovieLens 100k with NumPy/SciPy, the way a data scientist would write it: what
bench/implicit.sh compares ecomai.ease against.  Reading the file is counted, as ecomai's time
counts reading its table.  Usage: implicit_numpy.py u.data lambda k"""
import ctypes
import sys
import time

import numpy as np
import scipy.linalg.lapack as lapack
import scipy.sparse as sp


def run(path, lam, k):
    t0 = time.perf_counter()
    data = np.loadtxt(path, dtype=np.int64, usecols=(0, 1))
    users, uidx = np.unique(data[:, 0], return_inverse=True)
    items, iidx = np.unique(data[:, 1], return_inverse=True)
    x = sp.csr_matrix((np.ones(len(data)), (uidx, iidx)), shape=(len(users), len(items)))
    x.data[:] = 1.0                       # implicit: an interaction counts once
    t1 = time.perf_counter()
    g = (x.T @ x).toarray()
    g[np.diag_indices_from(g)] += lam
    c, info = lapack.dpotrf(g, lower=1)   # Cholesky, then the inverse from it (scipy.linalg.lapack)
    p, info2 = lapack.dpotri(c, lower=1)
    p = np.tril(p) + np.tril(p, -1).T
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    # the top k weights of every row by absolute value, as ecomai.ease returns them
    top = np.argpartition(-np.abs(b), k, axis=1)[:, :k]
    t2 = time.perf_counter()
    assert info == 0 and info2 == 0
    return t1 - t0, t2 - t1, top.shape[0] * top.shape[1]


def openblas_core():
    """The kernel set OpenBLAS chose for this CPU (0.3.21 on a CPU model it predates: "Prescott")."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return "unknown"


def main():
    path, lam, k = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    best = None
    for _ in range(3):
        r = run(path, lam, k)
        if best is None or sum(r[:2]) < sum(best[:2]):
            best = r
    print("read_seconds %.4f" % best[0])
    print("compute_seconds %.4f" % best[1])
    print("total_seconds %.4f (best of 3, %d weights)" % (best[0] + best[1], best[2]))
    print("openblas_core %s" % openblas_core())


if __name__ == "__main__":
    main()
