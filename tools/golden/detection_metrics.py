"""Reference values for the detector metrics, from scikit-learn.

Writes fixtures/golden/detection_metrics.json: several seeded cases of labels and scores (with ties,
imbalance and perfect separation), each with sklearn's ROC AUC, average precision, log loss, ROC
curve, and the equal error rate computed from that curve. The Swift tests (DetectionTests) compare
against it. Run with the peer environment: $PEER_VENV/bin/python tools/golden/detection_metrics.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score, roc_curve

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "golden", "detection_metrics.json")


def eer(labels, scores):
    # Where the false positive rate meets the false negative rate, interpolated linearly between
    # the two ROC points that bracket the crossing.
    fpr, tpr, thr = roc_curve(labels, scores, drop_intermediate=False)
    fnr = 1 - tpr
    diff = fpr - fnr
    i = int(np.nonzero(diff >= 0)[0][0])
    if i == 0 or diff[i] == 0:
        return float(fpr[i])
    a, b = diff[i - 1], diff[i]
    t = a / (a - b)
    return float(fpr[i - 1] + t * (fpr[i] - fpr[i - 1]))


def case(name, labels, scores):
    labels = np.asarray(labels, dtype=int)
    scores = np.asarray(scores, dtype=float)
    fpr, tpr, thr = roc_curve(labels, scores, drop_intermediate=False)
    return {
        "name": name,
        "labels": labels.tolist(),
        "scores": scores.tolist(),
        "auc": float(roc_auc_score(labels, scores)),
        "average_precision": float(average_precision_score(labels, scores)),
        "log_loss": float(log_loss(labels, np.clip(scores, 1e-7, 1 - 1e-7))),
        "eer": eer(labels, scores),
        "roc_fpr": fpr.tolist(),
        "roc_tpr": tpr.tolist(),
    }


rng = np.random.default_rng(20261127)
cases = []
n = 200
labels = rng.integers(0, 2, n)
scores = 1 / (1 + np.exp(-(rng.normal(0, 1, n) + 1.5 * (labels - 0.5) * 2)))
cases.append(case("overlapping", labels, scores))
labels = (rng.random(150) < 0.15).astype(int)
scores = np.round(np.clip(rng.normal(0.3 + 0.3 * labels, 0.2), 0.001, 0.999), 1)
cases.append(case("imbalanced_with_ties", labels, scores))
cases.append(case("perfect", [0, 0, 0, 1, 1, 1], [0.1, 0.2, 0.3, 0.7, 0.8, 0.9]))
cases.append(case("inverted", [1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]))
cases.append(case("all_tied", [0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]))

with open(OUT, "w") as f:
    json.dump({"generator": "tools/golden/detection_metrics.py", "sklearn_version": sklearn.__version__,
               "cases": cases}, f, indent=1)
    f.write("\n")
print("wrote", OUT)
