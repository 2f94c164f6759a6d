#!/usr/bin/env python3
"""Validates openapi.yaml as OpenAPI 3.1 and checks it names every route the service serves."""
import sys

import yaml
from openapi_spec_validator import validate

path = sys.argv[1] if len(sys.argv) > 1 else "openapi.yaml"
with open(path) as f:
    spec = yaml.safe_load(f)
validate(spec)
routes = {"/v1/gradients", "/v1/forward", "/v1/gradcheck", "/livez", "/healthz", "/readyz", "/openapi.yaml", "/metrics"}
missing = routes - set(spec["paths"])
if missing:
    sys.exit(f"{path}: routes missing from the spec: {sorted(missing)}")
print(f"{path}: valid OpenAPI {spec['openapi']}, {len(spec['paths'])} paths")
