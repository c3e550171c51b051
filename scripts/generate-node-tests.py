#!/usr/bin/env python3
"""Writes the ONNX backend node tests of the installed onnx package.

The onnx wheel ships the node test generators (onnx/backend/test/case/node)
but not their data. This writes every node test as the ONNX repository lays
it out, with onnx's own writer:

    OUT/node/<test>/model.onnx
    OUT/node/<test>/test_data_set_0/{input_*.pb,output_*.pb}

Usage: generate-node-tests.py OUT
"""

import argparse
import os
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    args = parser.parse_args()

    from onnx.backend.test import cmd_tools
    from onnx.backend.test.case import node

    # cmd_tools.generate_data writes the cases model_test collects; hand it
    # the node cases instead.
    cmd_tools.model_test.collect_testcases = node.collect_testcases
    os.makedirs(args.output, exist_ok=True)
    cmd_tools.generate_data(argparse.Namespace(output=args.output))
    count = len(os.listdir(os.path.join(args.output, "node")))
    print("setup: %d ONNX node tests in %s" % (count, args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
