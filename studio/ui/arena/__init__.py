"""The arena: blind judging in the workspace, the battle queue, and the leaderboard."""
