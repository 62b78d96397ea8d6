"""Encoder backbones: where checkpoints come from and how offline ones are built."""
