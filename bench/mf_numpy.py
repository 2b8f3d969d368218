#!/usr/bin/python3
"""NumPy implementation of the ALS that ecomai.mf_fit runs, for bench/mf.sh.

Implicit feedback: weighted ALS of Hu, Koren and Volinsky with three
conjugate-gradient steps per row from the current factors (confidence
1 + alpha * value, preference value > 0), the Gram matrix Y'Y + reg I once per
half-step, and per row only NumPy array operations (a Python loop over rows,
as the pure-Python solver of the implicit library does).

usage: mf_numpy.py TRAIN.tsv TEST.tsv FACTORS REG ALPHA ITERATIONS
  TRAIN.tsv: user, item, value (tab-separated); TEST.tsv: user, item.
Prints the wall-clock seconds of each iteration and the median CPU seconds, then the same for
iterations that also compute the training loss as mf_fit does after every iteration
(training_loss below, vectorised), then NDCG@10 and P@10 on the test pairs (top 10 per test user
with the user's training items removed).
"""
import sys
import time

import numpy as np
import scipy.sparse as sp


def load(path, with_value):
    a = np.loadtxt(path, delimiter="\t", ndmin=2)
    if with_value:
        return a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2].astype(np.float64)
    return a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), None


def cg_step(X, Y, C, reg, steps=3):
    """One half-step: every row x of X from Y, rows of C (CSR, values alpha*v)."""
    f = X.shape[1]
    G = Y.T @ Y + reg * np.eye(f)
    indptr, indices, data = C.indptr, C.indices, C.data
    for u in range(X.shape[0]):
        s, e = indptr[u], indptr[u + 1]
        x = X[u]
        Yu = Y[indices[s:e]]
        c1 = data[s:e]
        r = -G @ x + Yu.T @ ((1.0 + c1) - c1 * (Yu @ x))
        p = r.copy()
        rsold = r @ r
        if rsold < 1e-20:
            continue
        for _ in range(steps):
            Ap = G @ p + Yu.T @ (c1 * (Yu @ p))
            a = rsold / (p @ Ap)
            x = x + a * p
            r = r - a * Ap
            rsnew = r @ r
            if rsnew < 1e-20:
                break
            p = r + (rsnew / rsold) * p
            rsold = rsnew
        X[u] = x


def training_loss(X, Y, C, reg):
    """mf_fit's implicit loss: sum over all cells of c (p - x.y)^2 plus the regularization,
    divided by the total confidence (C holds alpha * value)."""
    rows = np.repeat(np.arange(C.shape[0]), np.diff(C.indptr))
    s = np.einsum("ij,ij->i", X[rows], Y[C.indices])
    c = 1.0 + C.data
    pref = (C.data > 0).astype(float)
    loss = np.einsum("ij,ij->", X @ (Y.T @ Y), X) + (c * (pref - s) ** 2 - s * s).sum()
    weight = c.sum() + C.shape[0] * C.shape[1] - C.nnz
    return (loss + reg * ((X * X).sum() + (Y * Y).sum())) / weight


def timed_iterations(X, Y, C, Ct, reg, iterations, with_loss):
    """Wall-clock and CPU seconds of each iteration (X and Y are updated in place)."""
    times, cpu = [], []
    for _ in range(iterations):
        t0, c0 = time.perf_counter(), time.process_time()
        cg_step(X, Y, C, reg)
        cg_step(Y, X, Ct, reg)
        if with_loss:
            training_loss(X, Y, C, reg)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu


def main():
    train, test = sys.argv[1], sys.argv[2]
    factors, reg, alpha, iterations = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
    u, i, v = load(train, True)
    users, uidx = np.unique(u, return_inverse=True)
    items, iidx = np.unique(i, return_inverse=True)
    C = sp.csr_matrix((alpha * v, (uidx, iidx)), shape=(len(users), len(items)))
    C.sum_duplicates()
    Ct = C.T.tocsr()
    rng = np.random.default_rng(0)
    X = 0.01 * rng.standard_normal((len(users), factors))
    Y = 0.01 * rng.standard_normal((len(items), factors))
    X0, Y0 = X.copy(), Y.copy()
    times, cpu = timed_iterations(X, Y, C, Ct, reg, iterations, False)
    print("numpy_seconds_per_iteration %.4f (median of %d; each: %s)"
          % (float(np.median(times)), iterations, " ".join("%.3f" % t for t in times)))
    print("numpy_cpu_seconds_per_iteration %.4f (median)" % float(np.median(cpu)))
    # the same iterations again from the same start, with mf_fit's loss after each
    times, cpu = timed_iterations(X0, Y0, C, Ct, reg, iterations, True)
    print("numpy_seconds_per_iteration_with_loss %.4f (median)" % float(np.median(times)))
    print("numpy_cpu_seconds_per_iteration_with_loss %.4f (median)" % float(np.median(cpu)))
    if test == "-":
        return
    tu, ti, _ = load(test, False)
    upos = {x: k for k, x in enumerate(users)}
    ipos = {x: k for k, x in enumerate(items)}
    relevant = {}
    for a, b in zip(tu, ti):
        if a in upos and b in ipos:
            relevant.setdefault(upos[a], set()).add(ipos[b])
    disc = 1.0 / np.log2(np.arange(2, 12))
    ndcg, prec = [], []
    for uu, rel in relevant.items():
        s = Y @ X[uu]
        s[C.indices[C.indptr[uu]:C.indptr[uu + 1]]] = -np.inf
        top = np.argsort(-s, kind="stable")[:10]
        hits = np.array([t in rel for t in top], dtype=float)
        ndcg.append((hits * disc).sum() / disc[:min(len(rel), 10)].sum())
        prec.append(hits.sum() / 10)
    print("numpy_ndcg10 %.4f numpy_p10 %.4f users %d" % (np.mean(ndcg), np.mean(prec), len(ndcg)))


if __name__ == "__main__":
    main()
