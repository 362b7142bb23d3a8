"""Logger, Tracer and Metrics, made once and imported by every function."""

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

# Most admin requests emit no metric; Powertools would warn about it on every invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger(service="liveblog")
tracer = Tracer(service="liveblog")
metrics = Metrics(namespace="Liveblog", service="liveblog")
