"""Learning: flow features, the classifier and anomaly detector, their evaluation and the model registry."""

from .anomaly import PrototypeAnomalyDetector
from .classifier import FlowClassifier
from .dataset import fingerprint, load_flows
from .evaluate import TARGETS, Evaluation, evaluate
from .features import BENIGN, FEATURE_NAMES, FEATURES, IDENTIFIERS, FlowFeatures, extract, feature_table
from .protocol import FlowModel
from .registry import ModelRegistry, ModelVersion, training_flows
from .report import write_report
from .scorer import DEFAULT_BUDGET, Assessment, FlowScorer
from .splits import subsample, time_split, trained_until

__all__ = [
    "BENIGN", "DEFAULT_BUDGET", "FEATURES", "FEATURE_NAMES", "IDENTIFIERS", "TARGETS",
    "Assessment", "Evaluation", "FlowClassifier", "FlowFeatures", "FlowModel", "FlowScorer", "ModelRegistry",
    "ModelVersion", "PrototypeAnomalyDetector",
    "evaluate", "extract", "feature_table", "fingerprint", "load_flows", "subsample", "time_split", "trained_until", "training_flows",
    "write_report",
]
