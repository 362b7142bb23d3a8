"""CloudFront in front of the test buckets."""

from uuid import uuid4

import boto3


def create_distribution(origin_bucket: str, comment: str) -> str:
    """A CloudFront distribution in front of a bucket, as template.yaml puts one in front of the
    snapshot and media buckets."""
    cloudfront = boto3.client("cloudfront")
    distribution_id: str = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": f"liveblog-test-{uuid4().hex}",
            "Comment": comment,
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "s3",
                        "DomainName": f"{origin_bucket}.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "s3",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )["Distribution"]["Id"]
    return distribution_id
