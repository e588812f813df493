"""Serve: the assistant offered to people and programs: the browser chat and the HTTP API.

Owns the shared ``Service`` (one assistant, one lock, uploads), the Gradio chat and its HTML,
the OpenAI-compatible API, and where they listen and who may use them. It only asks the
assistant through its methods. May import every other stage; none imports it.
"""
