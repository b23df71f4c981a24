"""Agent connectors (plug-ins): `http` and `python` (`http.py`), `openai` (`openai.py`)."""
