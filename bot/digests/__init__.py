"""Channel digests: what was shared in a channel, one line per story, on request and on a schedule.

`model` holds the plain records; `store*` keeps every public summary post; `stories` groups
links into stories; `digest` orders them; `feature` answers `/digest`; `schedule` posts them.
"""
