"""The compact protocol (msgpack over SEQPACKET) for the fleet agent.
"""
