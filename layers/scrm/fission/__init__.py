"""Friend fission campaigns (好友裂变, issue 21): customers invite friends with a personal poster."""
