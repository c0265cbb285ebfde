"""sklearn's gradient-boosted trees as bitmask tables (QuickScorer), scored with numpy.

sklearn walks each tree node by node for each row, and for a form's few rows spends most
of its time on input checks. Here every split becomes a bitmask over its tree's leaves, so
scoring is table lookups and ANDs over whole arrays:

- leaves are numbered left to right; leaf l is bit W-1-l of a W-bit mask;
- a split sends x right when x > threshold, and then none of its left subtree's leaves can be
  the exit: AND-ing the masks of every split a row fails leaves the exit as the leftmost
  leaf still set, the highest set bit (Lucchese et al., "QuickScorer", SIGIR 2015);
- per feature, the thresholds are sorted, so the failed splits are a prefix found with one
  searchsorted, and the AND of each prefix is precomputed: a table row per rank;
- features with few ranks are combined into one table, so a row needs one lookup per group.

The sum follows sklearn's order (init, then each tree's learning_rate * value in turn), so
the answers are sklearn's to the last bit (x86-64 builds; a compiler that fused sklearn's
multiply-add would differ in the last bit, which the exactness tests would show and the
load-time check, with its 1e-6 tolerance, would accept). Why numpy and not a compiler:
docs/model.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tabular.compiled.unsupported import Unsupported

# Columns share a table while it stays within this many rows (4096 x 200 trees x 2 B =
# 1.6 MB); a column with more thresholds than that gets a table of its own, however long.
GROUP_ROWS = 4096
CHUNK = 100_000  # (rows x trees) scored at once: the arrays stay in the CPU cache


@dataclass(frozen=True)
class Forest:
    n_features: int
    columns: tuple[int, ...]  # the input columns the splits read
    thresholds: tuple[np.ndarray, ...]  # per column: its split thresholds, sorted, unique
    strides: np.ndarray  # (groups, columns): a group's table row = strides @ ranks
    tables: tuple[np.ndarray, ...]  # per group: (ranks combined, trees) masks
    values: np.ndarray  # trees x W, flat: scale * leaf value, tree t's leaf l at t*W + W-1-l
    offsets: np.ndarray  # (trees, 1): where tree t's slots start, less float64's exponent bias
    init: float

    @classmethod
    def of(cls, estimator: Any) -> "Forest":
        from sklearn.dummy import DummyRegressor
        from sklearn.ensemble import GradientBoostingRegressor

        if type(estimator) is not GradientBoostingRegressor:
            raise Unsupported(f"{type(estimator).__name__} trees are not compiled here")
        # A constant first guess, asked of sklearn once; a subclass might read the inputs.
        if not (estimator.init_ == "zero" or type(estimator.init_) is DummyRegressor):
            raise Unsupported(f"a {type(estimator.init_).__name__} as the first guess")
        trees = [tree.tree_ for tree in estimator.estimators_[:, 0]]
        leaves = max(tree.n_leaves for tree in trees)
        width = 16 if leaves <= 16 else 32 if leaves <= 32 else 0  # float64 holds 32 bits
        if not width:
            raise Unsupported(f"trees with {leaves} leaves (up to 32 are compiled)")
        dtype = np.uint16 if width == 16 else np.uint32
        n_features = estimator.n_features_in_
        # Per feature: (threshold, tree, mask of the leaves left when the split is failed).
        splits: list[list[tuple[float, int, np.integer]]] = [[] for _ in range(n_features)]
        values = np.zeros((len(trees), width))
        for t, tree in enumerate(trees):
            for feature, threshold, left_leaves in _splits(tree, t, values, width):
                keep = ~np.array(sum(1 << (width - 1 - leaf) for leaf in left_leaves), dtype)
                splits[feature].append((threshold, t, keep))
        # sklearn adds learning_rate * value (one rounding), so the products are stored.
        values *= estimator.learning_rate
        columns = tuple(f for f in range(n_features) if splits[f])
        if not columns:
            raise Unsupported("trees without a single split")
        thresholds, per_column = [], []
        for f in columns:
            ths = np.unique([s[0] for s in splits[f]])
            table = np.full((len(ths) + 1, len(trees)), np.iinfo(dtype).max, dtype)
            for threshold, t, keep in splits[f]:
                # Rank r = how many thresholds lie below x: rows past this one fail it.
                table[np.searchsorted(ths, threshold) + 1:, t] &= keep
            thresholds.append(ths)
            per_column.append(table)
        groups = _groups([len(table) for table in per_column])
        tables = tuple(_combined([per_column[i] for i in group]) for group in groups)
        strides = np.zeros((len(groups), len(columns)), np.intp)
        for g, group in enumerate(groups):
            for i in group:  # row (r1 * n2 + r2) * n3 + r3 ..., as _combined lays them out
                strides[g] *= len(per_column[i])
                strides[g, i] = 1
        # A constant (checked above), so sklearn's own code for it runs once, on any row.
        init = float(estimator._raw_predict_init(np.zeros((1, n_features), np.float32))[0, 0])
        offsets = (np.arange(len(trees)) * width - 1023)[:, None]
        return cls(n_features, columns, tuple(thresholds), strides, tables, values.ravel(),
                   offsets, init)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Like the estimator's predict on X (rows x features): the same float32 inputs,
        the same refusal of NaN and infinity, the same sums."""
        if np.asarray(X).dtype.kind == "c":
            raise ValueError("Complex data not supported")
        with np.errstate(over="ignore"):  # too large for float32: refused just below
            X = np.asarray(X, dtype=np.float32)  # sklearn's trees compare float32 inputs
        if X.ndim != 2 or X.shape[1] != self.n_features or not len(X):
            raise ValueError(f"expected rows of {self.n_features} features, got {X.shape}")
        if not np.isfinite(X).all():
            raise ValueError("Input contains NaN or infinity")
        ranks = np.empty((len(self.columns), len(X)), np.intp)
        for i, (column, thresholds) in enumerate(zip(self.columns, self.thresholds)):
            ranks[i] = np.searchsorted(thresholds, X[:, column])  # thresholds below x
        index = self.strides @ ranks
        n_trees = len(self.offsets)
        out = np.empty(len(X))
        step = max(1, CHUNK // n_trees)
        for start in range(0, len(X), step):
            rows = slice(start, start + step)
            masks = self.tables[0][index[0, rows]]
            for table, at in zip(self.tables[1:], index[1:]):
                masks &= table[at[rows]]
            # float(mask)'s exponent is its highest set bit + 1023: the exit leaf's slot.
            slots = np.ascontiguousarray(masks.T).astype(np.float64).view(np.int64) >> 52
            out[rows] = _sum_in_order(self.values[slots + self.offsets], self.init)
        return out


def _sum_in_order(values: np.ndarray, init: float) -> np.ndarray:
    """init + tree 0 + tree 1 + ... per column of (trees, rows): sklearn's order of sums.
    Across rows numpy adds row after row; down one lone column it would add in pairs."""
    if values.shape[1] > 1:
        return np.add.reduce(values, axis=0, initial=init)
    values[0] += init
    return np.add.accumulate(values, axis=0)[-1]


def _splits(tree, t: int, values: np.ndarray, width: int):
    """(feature, threshold, leaves of its left subtree) for every split of a tree, leaves
    numbered left to right; fills row t of values as it finds the leaves."""
    found: list[tuple[int, float, list[int]]] = []
    count = 0

    def visit(node: int) -> list[int]:
        nonlocal count
        if tree.children_left[node] == -1:
            values[t, width - 1 - count] = tree.value[node, 0, 0]
            count += 1
            return [count - 1]
        left = visit(tree.children_left[node])
        right = visit(tree.children_right[node])
        found.append((int(tree.feature[node]), float(tree.threshold[node]), left))
        return left + right
    visit(0)
    return found


def _groups(sizes: list[int]) -> tuple[tuple[int, ...], ...]:
    """Columns combined while their tables' product stays within GROUP_ROWS, fewest ranks
    first. For the deployed model: the 0/1 columns and children share one table, age has
    one, BMI another."""
    groups, current, rows = [], [], 1
    for i in sorted(range(len(sizes)), key=lambda i: sizes[i]):
        if current and rows * sizes[i] > GROUP_ROWS:
            groups.append(tuple(current))
            current, rows = [], 1
        current.append(i)
        rows *= sizes[i]
    return tuple(groups + [tuple(current)]) if current else ()


def _combined(tables: list[np.ndarray]) -> np.ndarray:
    """One table for several columns: row (r1 * n2 + r2) * n3 + r3 ... ANDs their rows."""
    out = tables[0]
    for table in tables[1:]:
        out = (out[:, None, :] & table[None, :, :]).reshape(-1, out.shape[1])
    return np.ascontiguousarray(out)
