"""Standard setting: a panel's judgements per item, over rounds, and the pass standard decided from them."""
