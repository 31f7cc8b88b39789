"""Static leaderboard site generation from run directories."""
