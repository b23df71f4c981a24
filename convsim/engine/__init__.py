"""Engine (layer 3): planning and playing campaigns, and scoring transcripts.

`loop` plays one conversation (pure); `worker` builds its participants through the
registry; `executors` fan batches out (local asyncio or Ray); `campaign` plans,
resumes and keeps the `manifest`; `agent_processes` starts the agents a campaign
serves itself; `score_transcripts` scores production transcripts. The engine
reaches plug-ins only through `convsim.core.registry`.
"""
