"""A linear model's weights by feature, the non-zero ones only.

A linear SVM leaves most weights of a text feature at zero (a word never met in a category): the classifier's
79,000 features by 97 categories are three in five zeros, the emergency model's 133,000 character n-grams by 8
hazards four in five. Kept by feature, the non-zero weights of the classifier take 15 MB instead of 29 and the
hazards' 2 MB instead of 8, in every serving process. A text's rows come back dense, exactly as the full matrix
holds them.
"""

import numpy as np


class SparseRows:
    def __init__(self, dense: np.ndarray) -> None:
        mask = dense != 0
        self.starts = np.concatenate(([0], np.cumsum(mask.sum(axis=1)))).astype(np.int64)
        rows, classes = np.nonzero(mask)  # row by row, as the starts count them
        self.classes = classes.astype(np.int16)
        self.values = dense[rows, classes]
        self.shape = dense.shape

    def take(self, columns: np.ndarray) -> np.ndarray:
        """The rows of these features, dense (features x classes)."""
        starts = self.starts[columns]
        lengths = self.starts[columns + 1] - starts
        out = np.zeros((len(columns), self.shape[1]), dtype=self.values.dtype)
        total = int(lengths.sum())
        if total:
            before = np.cumsum(lengths) - lengths  # where each row's entries begin among the ones taken
            at = np.repeat(starts - before, lengths) + np.arange(total)
            out[np.repeat(np.arange(len(columns)), lengths), self.classes[at]] = self.values[at]
        return out

    def dense(self) -> np.ndarray:
        return self.take(np.arange(self.shape[0]))
