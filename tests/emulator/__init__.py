"""Fake services on 127.0.0.1 for tests, one module per concern.

``server`` is the HTTP plumbing any fake shares (a thread, kept-alive connections, going offline);
the GitHub emulator is ``github`` (request handling, rate limits, failures) built from ``state``
(the model and shared helpers), ``issues``, ``pulls`` and ``git_remote``, with ``openapi``
(GitHub's description) checking every answer. Tests import it as ``github_emulator``.
"""
