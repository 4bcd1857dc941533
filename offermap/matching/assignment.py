"""One-to-one first choices: the best assignment of services to variants over sparse candidates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np


def assign(
    edges: Sequence[tuple[int, int, float]], n_rows: int, n_cols: int, threshold: float
) -> dict[int, int]:
    """Pick at most one column per row and one row per column, maximising the total gain.

    The gain of an edge is its score's margin above the threshold, not the score itself: with
    raw scores, two doubtful pairs (0.62 + 0.70) would beat one sure pair (0.95) that needs
    the same service, and a doubtful proposal is worse than none.

    The candidate graph is split into connected components and each is solved on its own
    dense matrix, so the cost follows the size of the components, not rows x columns.

    Args:
        edges: (row, column, score) with score >= threshold; at most one edge per pair.
        n_rows: number of rows (variants).
        n_cols: number of columns (services).
        threshold: the proposal threshold.

    Returns:
        row -> column of the chosen pairs.
    """
    if not edges:
        return {}
    # Imported here: SciPy costs a quarter of a second, and every `offermap` command imports
    # the matcher even when it never assigns anything.
    import scipy.sparse as sp
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse.csgraph import connected_components

    rows = np.fromiter((e[0] for e in edges), dtype=np.int64, count=len(edges))
    cols = np.fromiter((e[1] for e in edges), dtype=np.int64, count=len(edges))
    # A small floor keeps an edge exactly at the threshold a positive gain.
    gains = np.fromiter(
        (e[2] - threshold + 1e-6 for e in edges), dtype=np.float64, count=len(edges)
    )
    graph = sp.coo_matrix(
        (np.ones(len(edges)), (rows, cols + n_rows)), shape=(n_rows + n_cols, n_rows + n_cols)
    )
    _, labels = connected_components(graph, directed=False)
    by_component: dict[int, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_component[int(labels[row])].append(index)
    chosen: dict[int, int] = {}
    for members in by_component.values():
        idx = np.asarray(members, dtype=np.int64)
        comp_rows, row_pos = np.unique(rows[idx], return_inverse=True)
        comp_cols, col_pos = np.unique(cols[idx], return_inverse=True)
        matrix = np.zeros((len(comp_rows), len(comp_cols)))
        matrix[row_pos, col_pos] = gains[idx]
        picked_rows, picked_cols = linear_sum_assignment(matrix, maximize=True)
        for r, c in zip(picked_rows, picked_cols, strict=True):
            if matrix[r, c] > 0:
                chosen[int(comp_rows[r])] = int(comp_cols[c])
    return chosen
