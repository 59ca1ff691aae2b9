"""Who may join the team: sign-up modes, the join link, the first administrator."""
