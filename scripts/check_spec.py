#!/usr/bin/env python3
"""Validates openapi.yaml as OpenAPI 3.1.

The spec's paths are held equal to the server's routes by the Swift test RouterTests
(Tests/GradientServiceTests/RouterTests.swift, against Route.patterns), so no route list is kept here.
"""
import sys

import yaml
from openapi_spec_validator import validate

path = sys.argv[1] if len(sys.argv) > 1 else "openapi.yaml"
with open(path) as f:
    spec = yaml.safe_load(f)
validate(spec)
print(f"{path}: valid OpenAPI {spec['openapi']}, {len(spec['paths'])} paths")
