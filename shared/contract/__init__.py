"""The published contract: what other teams and the other service may rely on.

Event types, their wire serialization, the Kafka record (key, value, headers), the
consistency token of read-your-writes, and the pricing formula quoted on both sides.
Changes here are contract changes: docs/contract/ is generated from these models
(`python -m tools.contract_docs`) and a test fails when it drifts.
"""
