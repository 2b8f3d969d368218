#!/usr/bin/python3
"""SciPy reference for item_neighbors(measure => 'cosine', over => 'all') on MovieLens 100k.

    neighbors_scipy.py U_DATA K [OURS.tsv]

Builds the item x user rating matrix X (repeated pairs summed, as ecomai does), computes
normalize(X) @ normalize(X).T and keeps the top K positive similarities per row, the diagonal
excluded, ties by neighbour id ascending.  Prints the computation time (best of 3; reading the
file is not counted).  With OURS.tsv (item, neighbor, similarity, support as exported from
ecomai.item_neighbors) it compares: the same top-K similarity values for every item (1e-12),
and the same pairs wherever there is no tie at the K-th place.
"""
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp


def load(path):
    d = np.loadtxt(path, dtype=np.int64, usecols=(0, 1, 2))
    return d[:, 0], d[:, 1], d[:, 2].astype(np.float64)


def topk_cosine(users, items, vals, k):
    """The computation that is timed: matrix build, normalise, product, top-k per row."""
    item_ids, ii = np.unique(items, return_inverse=True)
    user_ids, uu = np.unique(users, return_inverse=True)
    x = sp.csr_matrix((vals, (ii, uu)), shape=(len(item_ids), len(user_ids)))
    x.sum_duplicates()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    xn = sp.diags(1.0 / norms) @ x          # sklearn.preprocessing.normalize(X), without sklearn
    s = (xn @ xn.T).tocsr()
    s.setdiag(0)
    s.eliminate_zeros()
    result = {}
    for r in range(s.shape[0]):
        lo, hi = s.indptr[r], s.indptr[r + 1]
        cols, data = s.indices[lo:hi], s.data[lo:hi]
        pos = data > 0
        cols, data = cols[pos], data[pos]
        if len(data) > k:
            # candidates: everything at least as good as the k-th value, then exact order
            kth = np.partition(data, len(data) - k)[len(data) - k]
            keep = data >= kth - 1e-12
            cols, data = cols[keep], data[keep]
        order = np.lexsort((cols, -data))
        # a tie at the k-th place: the next candidate is within 1e-12 of the k-th
        tie = len(order) > k and data[order[k - 1]] - data[order[k]] <= 1e-12
        order = order[:k]
        result[item_ids[r]] = (item_ids[cols[order]], data[order], tie)
    return result


def main():
    path, k = sys.argv[1], int(sys.argv[2])
    users, items, vals = load(path)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        ref = topk_cosine(users, items, vals, k)
        times.append(time.perf_counter() - t0)
    print(f"scipy_seconds {min(times):.4f}  (SciPy {scipy.__version__}, NumPy {np.__version__}, best of 3)")
    if len(sys.argv) < 4:
        return
    ours = {}
    for line in open(sys.argv[3]):
        it, nb, sim, sup = line.split('\t')
        ours.setdefault(int(it), []).append((int(nb), float(sim)))
    items_checked = value_diffs = pair_diffs = tie_items = tie_pair_diffs = 0
    max_diff = 0.0
    for it in set(ref) | set(ours):
        rn, rv, tie = ref.get(it, (np.array([], dtype=np.int64), np.array([]), False))
        o = ours.get(it, [])
        items_checked += 1
        if len(o) != len(rv):
            value_diffs += 1
            continue
        ov = np.array([s for _, s in o])
        d = np.max(np.abs(ov - rv)) if len(ov) else 0.0
        max_diff = max(max_diff, d)
        if d > 1e-12:
            value_diffs += 1
        if tie:
            tie_items += 1
        if set(rn.tolist()) != set(n for n, _ in o):
            if tie:
                tie_pair_diffs += 1
            else:
                pair_diffs += 1
    print(f"items {items_checked}  value_mismatches {value_diffs}  max_abs_diff {max_diff:.3g}  "
          f"pair_mismatches_without_tie {pair_diffs}  items_with_tie_at_kth {tie_items} "
          f"(of which with other pairs {tie_pair_diffs})")
    if value_diffs or pair_diffs:
        sys.exit(1)


if __name__ == '__main__':
    main()
