"""Show: plots, terms (one word table), fonts and the budget-request annex."""
