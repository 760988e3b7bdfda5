"""ELM target: graph IR → a CQL ELM JSON library (see `targets.elm.library`)."""

from carepath.targets.elm.library import elm_library, recommend_name, reach_name, system_type

__all__ = ["elm_library", "recommend_name", "reach_name", "system_type"]
