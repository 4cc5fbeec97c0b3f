#!/bin/sh
# Prepares MinIO for the media service; safe to run again. Used by the Kubernetes Job
# `minio-setup` and by the `minio-setup` service of deploy/compose.yaml.
#   - the bucket $S3_BUCKET, private (no anonymous access);
#   - the policy `presscenter-media`: object and bucket actions on that bucket only;
#   - the user $MEDIA_ACCESS_KEY (the media service's S3_ACCESS_KEY) with that policy.
# Needs MINIO_ROOT_USER, MINIO_ROOT_PASSWORD, S3_BUCKET, MEDIA_ACCESS_KEY, MEDIA_SECRET_KEY.
set -eu
MINIO_URL="${MINIO_URL:-http://minio:9000}"
export HOME=/tmp

tries=0
until mc alias set local "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "minio-setup: MinIO at $MINIO_URL did not answer" >&2
    exit 1
  fi
  sleep 2
done

mc mb --ignore-existing "local/$S3_BUCKET"
mc anonymous set none "local/$S3_BUCKET"

cat > /tmp/presscenter-media-policy.json <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      "Resource": ["arn:aws:s3:::$S3_BUCKET"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                 "s3:ListMultipartUploadParts"],
      "Resource": ["arn:aws:s3:::$S3_BUCKET/*"]
    }
  ]
}
POLICY
mc admin policy create local presscenter-media /tmp/presscenter-media-policy.json
mc admin user add local "$MEDIA_ACCESS_KEY" "$MEDIA_SECRET_KEY"
# Attaching an already attached policy fails: that is the state we want.
mc admin policy attach local presscenter-media --user "$MEDIA_ACCESS_KEY" || true
echo "minio-setup: bucket $S3_BUCKET and user $MEDIA_ACCESS_KEY ready"
