"""The audio layer: numpy and scipy only, beside `motion`.

It turns 16 kHz mono samples into what was heard (voice onsets, utterances, clicks)
without touching a device or a model: the models and the microphone are adapters,
the mapping to engine events is a service (`services/listen.py`).
"""
