"""Logger and Metrics, made once and imported by every function.

No Powertools Tracer: the X-Ray SDK it loads builds two botocore clients as it is imported (about
200 ms of every cold start, measured by bench/cold_start.py). The template's `Tracing: Active`
still has Lambda record each invocation and its init phase in X-Ray.
"""

import warnings

from aws_lambda_powertools import Logger, Metrics

# Most admin requests emit no metric; Powertools would warn about it on every invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger(service="liveblog")
metrics = Metrics(namespace="Liveblog", service="liveblog")
