"""Shelfwise's shared contracts: settings, Redis keys, message schemas, logging.

Light on purpose: no TensorFlow, no Flask, and nothing else of the project.
"""
