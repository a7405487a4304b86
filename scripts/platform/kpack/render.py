#!/usr/bin/env python3
"""kpack's config/ (release v0.17.2) as plain manifests for the tilt-live cluster, on stdout.

kpack's release fills config/'s ytt templates (`#@ data.values...`); this fills the same values (images, version)
and adapts what the local cluster imposes (scripts/platform/k8s.sh: no kube-proxy, no CoreDNS, the apiserver on
127.0.0.1:6443, Kubernetes 1.31):
- controller and webhook run with hostNetwork and reach the apiserver at 127.0.0.1:6443; the namespace's restricted
  pod-security label would refuse hostNetwork, so it goes;
- the apiserver reaches the webhook through an ExternalName Service to 127.0.0.1, on the webhook's own port 8443
  (ClusterIPs are not routable here): every clientConfig names that port;
- knative (vendored by kpack) refuses Kubernetes below 1.32 unless KUBERNETES_MIN_VERSION says otherwise.

Usage: render.py CONFIG_DIR REGISTRY VERSION
"""
import sys
from pathlib import Path

import yaml

WEBHOOK_PORT = 8443
CRDS = ["build", "builder", "buildpack", "clusterbuilder", "clusterbuildpack", "clusterlifecycle", "clusterstack",
        "clusterstore", "image", "sourceresolver"]
FILES = ["100-namespace", "priority", *CRDS, "controllerrole", "webhookrole", "config-logging", "controller", "webhook"]
IMAGE_CONFIGMAPS = {"build-init-image": "build-init", "build-waiter-image": "build-waiter",
                    "rebase-image": "rebase", "completion-image": "completion"}


def host_network(deployment, image, profiling_port, extra_env=()):
    spec = deployment["spec"]["template"]["spec"]
    spec["hostNetwork"] = True
    container = spec["containers"][0]
    container["image"] = image
    container["env"] = container.get("env", []) + [
        {"name": "KUBERNETES_SERVICE_HOST", "value": "127.0.0.1"},
        {"name": "KUBERNETES_SERVICE_PORT", "value": "6443"},
        {"name": "KUBERNETES_MIN_VERSION", "value": "v1.31.0"},
        # Both processes share the host's ports: knative's profiling server defaults to 8008 in each.
        {"name": "PROFILING_PORT", "value": str(profiling_port)},
        *extra_env,
    ]


def service_port(client_config):
    if client_config and "service" in client_config:
        client_config["service"]["port"] = WEBHOOK_PORT


def adapt(doc, registry, version):
    kind, name = doc.get("kind"), doc.get("metadata", {}).get("name")
    labels = doc.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
    if "version" in labels:
        labels["version"] = version
    if kind == "Namespace":
        doc["metadata"]["labels"] = {k: v for k, v in doc["metadata"].get("labels", {}).items()
                                     if not k.startswith("pod-security.kubernetes.io/")}
    elif kind == "ConfigMap" and name in IMAGE_CONFIGMAPS:
        doc["data"] = {"image": f"{registry}/kpack/{IMAGE_CONFIGMAPS[name]}:{version}"}
    elif kind == "Deployment" and name == "kpack-controller":
        host_network(doc, f"{registry}/kpack/controller:{version}", 8008)
    elif kind == "Deployment" and name == "kpack-webhook":
        host_network(doc, f"{registry}/kpack/webhook:{version}", 8018,
                     [{"name": "WEBHOOK_PORT", "value": str(WEBHOOK_PORT)}])
    elif kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
        for webhook in doc["webhooks"]:
            service_port(webhook.get("clientConfig"))
    elif kind == "CustomResourceDefinition":
        service_port(doc.get("spec", {}).get("conversion", {}).get("webhook", {}).get("clientConfig"))
    return doc


def main():
    config, registry, version = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    docs = []
    for name in FILES:
        for doc in yaml.safe_load_all((config / f"{name}.yaml").read_text()):
            if doc:
                docs.append(adapt(doc, registry, version))
    docs.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kpack-webhook", "namespace": "kpack"},
                 "spec": {"type": "ExternalName", "externalName": "127.0.0.1",
                          "ports": [{"port": WEBHOOK_PORT, "targetPort": WEBHOOK_PORT}]}})
    yaml.safe_dump_all(docs, sys.stdout, sort_keys=False)


main()
