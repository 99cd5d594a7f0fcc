#!/bin/sh
# azd postprovision hook: copies the broker's image, pinned by digest in infra/resources.bicep
# (output RABBITMQ_IMAGE), from Docker Hub into the deployment's own registry, once per digest.
# The messaging Container App then pulls it from there with the pull identity: no replica start
# depends on Docker Hub's anonymous pull limit. azd passes the environment's values as variables.
# POSIX sh: azure.yaml runs it with `shell: sh`.
set -eu

image="${RABBITMQ_IMAGE:?RABBITMQ_IMAGE is not set: run azd provision first}"
registry="${AZURE_CONTAINER_REGISTRY_ENDPOINT:?AZURE_CONTAINER_REGISTRY_ENDPOINT is not set: run azd provision first}"
digest="${image##*@}"
repository="${image#"$registry"/}"
repository="${repository%@*}"
case "$digest" in
    sha256:*) ;;
    *) echo "RABBITMQ_IMAGE ($image) is not pinned by digest" >&2; exit 1 ;;
esac

name="${registry%%.*}"
if az acr repository show --name "$name" --image "$repository@$digest" >/dev/null 2>&1; then
    echo "$repository@$digest is already in $registry"
    exit 0
fi

# Tagged with the digest's start, so the registry lists it; the app pulls by digest.
az acr import --name "$name" --source "docker.io/$repository@$digest" --image "$repository:pinned-$(printf %s "$digest" | cut -c8-19)" --force
echo "Imported docker.io/$repository@$digest into $registry"
