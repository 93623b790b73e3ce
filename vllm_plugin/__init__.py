"""adapterplane inside each vLLM OpenAI server.

- `general.register` (`vllm.general_plugins`): the LoRA resolver for version names.
- `endpoint.plugin` (`vllm.endpoint_plugins`): tenant auth + routing middleware, admin routes,
  the control-plane agent.
Configured by `ADAPTERPLANE_*` variables (see `config.py`); started by `adapterplane worker`.
"""
